CREATE TABLE `records` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`thread` text NOT NULL,
	`actor` text NOT NULL,
	`act` text NOT NULL,
	`clock` integer NOT NULL,
	`data_type` text NOT NULL,
	`judged_by` text,
	`parents` text NOT NULL,
	`body` text NOT NULL,
	`sig` text,
	`ingested_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `records_id_unique` ON `records` (`id`);--> statement-breakpoint
CREATE INDEX `records_thread_seq` ON `records` (`thread`,`seq`);--> statement-breakpoint
CREATE INDEX `records_actor_seq` ON `records` (`actor`,`seq`);