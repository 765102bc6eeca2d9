CREATE INDEX widgets_name ON widgets (name);
