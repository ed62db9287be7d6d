export * from "./enums";
export * from "./users";
export * from "./calls";
export * from "./events";
export * from "./pipeline";
export * from "./api-tokens";
export * from "./search";
export * from "./webhooks";
