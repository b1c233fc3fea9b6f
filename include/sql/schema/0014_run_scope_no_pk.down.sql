-- A scope with duplicate rows (impossible from the platform's own statements) must be cleared first.
alter table base.run_scope add constraint run_scope_pkey primary key (run_id, person_id);
