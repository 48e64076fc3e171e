import { Migration } from '@mikro-orm/migrations';

export class Migration20261122080934_initial extends Migration {

  override name = 'Migration20261122080934_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "audit_log" ("id" bigserial primary key, "at" timestamptz not null, "actor_type" varchar(16) not null, "actor_id" varchar(64) null, "actor_label" varchar(320) null, "action" varchar(100) not null, "target_type" varchar(50) null, "target_id" varchar(200) null, "input" jsonb null, "outcome" varchar(16) not null, "error_code" varchar(50) null, "error_message" text null, "client_address" varchar(64) null);`);
    this.addSql(`create index "audit_log_at_index" on "audit_log" ("at");`);
    this.addSql(`create index "audit_log_action_index" on "audit_log" ("action");`);

    this.addSql(`create table "auth_throttle" ("key" varchar(400) not null, "failures" int not null, "first_failure_at" timestamptz not null, "blocked_until" timestamptz null, primary key ("key"));`);

    this.addSql(`create table "setup_tokens" ("id" uuid not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "setup_tokens" add constraint "setup_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "users" ("id" uuid not null, "email" varchar(320) not null, "password_hash" text not null, "role" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_sign_in_at" timestamptz null, "disabled_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`alter table "users" add constraint "users_role_check" check ("role" in ('viewer', 'operator', 'admin'));`);

    this.addSql(`create table "sessions" ("id" varchar(64) not null, "user_id" uuid not null, "csrf_token" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "last_seen_at" timestamptz not null, "client_address" varchar(64) null, "user_agent" text null, primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`create index "sessions_expires_at_index" on "sessions" ("expires_at");`);

    this.addSql(`create table "api_tokens" ("id" uuid not null, "name" varchar(100) not null, "prefix" varchar(32) not null, "secret_hash" varchar(64) not null, "role" text null, "capabilities" text[] not null, "created_by_id" uuid null, "created_at" timestamptz not null, "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_secret_hash_unique" unique ("secret_hash");`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_role_check" check ("role" in ('viewer', 'operator', 'admin'));`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "api_tokens" add constraint "api_tokens_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
  }

}
