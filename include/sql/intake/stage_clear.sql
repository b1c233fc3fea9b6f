-- Staged rows of one delivery go before it is staged again (idempotent re-runs).
-- intake.stg_target is replaced by the target's staging table, checked against the registry targets.
delete from intake.stg_target
where delivery_id = :delivery_id
