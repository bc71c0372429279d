-- Ünïcödé comments, names and strings: 数据库; émoji 😀
CREATE TABLE "ünïcode" ("名前" text DEFAULT 'défaut; 😀');
INSERT INTO "ünïcode" VALUES ('naïve; café'), ($$ëmoji 🚀; ok$$);
