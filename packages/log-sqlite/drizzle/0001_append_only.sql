-- The log is append-only, enforced by the database rather than by convention.
CREATE TRIGGER `records_no_update` BEFORE UPDATE ON `records`
BEGIN
  SELECT RAISE(ABORT, 'records are append-only: UPDATE refused');
END;
--> statement-breakpoint
CREATE TRIGGER `records_no_delete` BEFORE DELETE ON `records`
BEGIN
  SELECT RAISE(ABORT, 'records are append-only: DELETE refused');
END;
