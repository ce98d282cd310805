DROP INDEX "agent_authorizations_target_idx";--> statement-breakpoint
ALTER TABLE "agent_authorizations" ADD COLUMN "target_group_id" integer;--> statement-breakpoint
ALTER TABLE "agent_authorizations" ADD COLUMN "target_project_id" integer;--> statement-breakpoint
ALTER TABLE "agent_configs" ADD COLUMN "warnings" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_authorizations" ADD CONSTRAINT "agent_authorizations_target_group_id_groups_id_fk" FOREIGN KEY ("target_group_id") REFERENCES "public"."groups"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_authorizations" ADD CONSTRAINT "agent_authorizations_target_project_id_projects_id_fk" FOREIGN KEY ("target_project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_authorizations_group_idx" ON "agent_authorizations" USING btree ("target_group_id");--> statement-breakpoint
CREATE INDEX "agent_authorizations_project_idx" ON "agent_authorizations" USING btree ("target_project_id");--> statement-breakpoint
-- Existing shares keep working: resolve each saved path once, to what it names at upgrade time.
UPDATE "agent_authorizations" SET "target_group_id" = "groups"."id" FROM "groups" WHERE "agent_authorizations"."target_type" = 'group' AND "groups"."full_path" = "agent_authorizations"."target_path";--> statement-breakpoint
UPDATE "agent_authorizations" SET "target_project_id" = "projects"."id" FROM "projects" WHERE "agent_authorizations"."target_type" = 'project' AND "projects"."full_path" = "agent_authorizations"."target_path";
