-- No province feedback table yet: nobody is known insured elsewhere.
select null::text as person_id, null::text as insurance, null::text as region_code, null::text as status,
       null::text as family
where false
