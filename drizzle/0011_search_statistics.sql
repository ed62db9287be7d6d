-- Custom SQL migration: finer statistics for the search index's tsvector.
-- The planner picks between two plans for a search's first page: read the user's rows newest first and stop
-- after a page of matches (fast for common words), or fetch every match from the GIN index and sort (fast
-- for rare ones). It chooses by the estimated number of matches; a word the statistics do not list is
-- estimated at half the rarest listed frequency. With the default target (100: ~1 000 lexemes) that is
-- thousands of rows, so a word nobody said walked all of the user's rows: 5.2 s on 4.4 M rows
-- (docs/performance-search.md). Target 1000 lists ~10 000 lexemes: 0.1 ms for the same search.
ALTER TABLE "call_search_entries" ALTER COLUMN "tsv" SET STATISTICS 1000;
