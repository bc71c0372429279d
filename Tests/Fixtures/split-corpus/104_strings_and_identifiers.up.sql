CREATE TABLE "weird;name" ("col;1" int, "quote""d" text);
INSERT INTO "weird;name" VALUES (1, 'semi;colon'), (2, 'it''s'), (3, E'back\'slash; \\'), (4, U&'d\0061t\+000061');
INSERT INTO "weird;name" VALUES (5, 'no escape \'), (6, e'tab\tthen;');
COMMENT ON TABLE "weird;name" IS 'A table; with a comment';
SELECT 'multi'
       'line continuation';
