-- A raw-string terminator inside the SQL must not end the embedded literal: )parley_sql"
ALTER TABLE widgets ADD COLUMN notes text NOT NULL DEFAULT 'semi;colons;and "quotes" and \backslashes\';
