ALTER TABLE purchases RENAME TO orders;
