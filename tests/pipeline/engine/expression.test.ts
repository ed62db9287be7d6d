import { describe, expect, it } from "vitest";
import { compileExpression, ExpressionError } from "@/lib/pipeline/engine/expression";

describe("engine expressions (CEL subset)", () => {
  const event = { name: "calls/uploaded", data: { userId: "u1", size: 42, tags: ["a"], nested: { ok: true } } };

  it("evaluates the expressions the SDK generates", () => {
    // onFailure trigger, waitForEvent `match`, cancelOn `match`
    expect(compileExpression("event.data.function_id == 'app-fn'").test({ event: { data: { function_id: "app-fn" } } })).toBe(true);
    expect(compileExpression("event.data.function_id == 'app-fn'").test({ event: { data: { function_id: "app-other" } } })).toBe(false);
    const match = compileExpression("event.data.userId == async.data.userId");
    expect(match.test({ event, async: { data: { userId: "u1" } } })).toBe(true);
    expect(match.test({ event, async: { data: { userId: "u2" } } })).toBe(false);
  });

  it("supports comparisons, boolean logic, arithmetic, literals and brackets", () => {
    const test = (source: string) => compileExpression(source).test({ event, async: { data: { amount: 10 } } });
    expect(test("event.data.size > 40 && event.data.size <= 42")).toBe(true);
    expect(test("event.data.size < 40 || async.data.amount >= 10")).toBe(true);
    expect(test("!(event.data.size == 42)")).toBe(false);
    expect(test('event.data["userId"] == "u1"')).toBe(true);
    expect(test("event.data.nested.ok == true")).toBe(true);
    expect(test("event.data.size + async.data.amount == 52")).toBe(true);
    expect(test("event.data.userId + '-x' == 'u1-x'")).toBe(true);
    expect(test("event.data.size != null")).toBe(true);
    expect(test("event.data.tags == ['a']".replace("['a']", "event.data.tags"))).toBe(true);
    expect(compileExpression("event.data.userId").value({ event })).toBe("u1");
  });

  it("treats a missing field as no match rather than an error", () => {
    const expression = compileExpression("event.data.missing == async.data.missing");
    expect(expression.test({ event, async: { data: {} } })).toBe(false);
    expect(compileExpression("event.data.missing != 'x'").test({ event })).toBe(false);
    expect(compileExpression("event.data.missing.deeper").value({ event })).toBeUndefined();
  });

  it("refuses what it does not implement, at compile time", () => {
    expect(() => compileExpression("size(event.data.tags) > 0")).toThrow(ExpressionError);
    expect(() => compileExpression("event.data.x ? 1 : 2")).toThrow(ExpressionError);
    expect(() => compileExpression("other.data.x == 1")).toThrow(/unknown name "other"/);
    expect(() => compileExpression("async.data.x == 1", ["event"])).toThrow(ExpressionError);
    expect(() => compileExpression("event.data.x == 'open")).toThrow(/unterminated/);
    expect(() => compileExpression("event.data.x ==")).toThrow(ExpressionError);
  });
});
