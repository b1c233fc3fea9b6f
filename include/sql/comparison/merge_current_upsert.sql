-- The current row: replaced on a new version; refreshed in place (version kept) otherwise.
insert into base.person_current (
    version, valid_from, ref_date,
    person_id, name, sex, ethnicity, birth_date, household_no, hukou_address, residence_address, phone,
    hukou_region, county_code, town_code, village_code, hukou_status, registered, age, student,
    military, deceased_on, should_insure, is_employee, employment_status, employer_uscc, employer_name,
    ins_110, ins_120, ins_170, ins_210, ins_310, ins_390, ins_410, ins_510, elsewhere, cov_pension,
    cov_medical, cov_210, cov_410, cov_510, category, mismatched_fields, reasons, non_enrollment_reason,
    reason_employer_uscc, sources, record, record_hash, review_flags, state_hash
)
select
    ch.version, :now, :ref_date,
    r.person_id, r.name, r.sex, r.ethnicity, r.birth_date, r.household_no, r.hukou_address,
    r.residence_address, r.phone, r.hukou_region, r.county_code, r.town_code, r.village_code,
    r.hukou_status, r.registered, r.age, r.student, r.military, r.deceased_on, r.should_insure,
    r.is_employee, r.employment_status, r.employer_uscc, r.employer_name, r.ins_110, r.ins_120,
    r.ins_170, r.ins_210, r.ins_310, r.ins_390, r.ins_410, r.ins_510, r.elsewhere, r.cov_pension,
    r.cov_medical, r.cov_210, r.cov_410, r.cov_510, r.category, r.mismatched_fields, r.reasons,
    r.non_enrollment_reason, r.reason_employer_uscc, r.sources, r.record, r.record_hash, r.review_flags,
    r.state_hash
from c_changed as ch
join c_record as r on r.person_id = ch.person_id
on conflict (person_id) do update
set (
        name, sex, ethnicity, birth_date, household_no, hukou_address, residence_address, phone,
        hukou_region, county_code, town_code, village_code, hukou_status, registered, age, student,
        military, deceased_on, should_insure, is_employee, employment_status, employer_uscc,
        employer_name, ins_110, ins_120, ins_170, ins_210, ins_310, ins_390, ins_410, ins_510,
        elsewhere, cov_pension, cov_medical, cov_210, cov_410, cov_510, category, mismatched_fields,
        reasons, non_enrollment_reason, reason_employer_uscc, sources, record, record_hash,
        review_flags, state_hash,
        version, valid_from, ref_date
    ) = (
        excluded.name, excluded.sex, excluded.ethnicity, excluded.birth_date, excluded.household_no,
        excluded.hukou_address, excluded.residence_address, excluded.phone, excluded.hukou_region,
        excluded.county_code, excluded.town_code, excluded.village_code, excluded.hukou_status,
        excluded.registered, excluded.age, excluded.student, excluded.military, excluded.deceased_on,
        excluded.should_insure, excluded.is_employee, excluded.employment_status,
        excluded.employer_uscc, excluded.employer_name, excluded.ins_110, excluded.ins_120,
        excluded.ins_170, excluded.ins_210, excluded.ins_310, excluded.ins_390, excluded.ins_410,
        excluded.ins_510, excluded.elsewhere, excluded.cov_pension, excluded.cov_medical,
        excluded.cov_210, excluded.cov_410, excluded.cov_510, excluded.category,
        excluded.mismatched_fields, excluded.reasons, excluded.non_enrollment_reason,
        excluded.reason_employer_uscc, excluded.sources, excluded.record, excluded.record_hash,
        excluded.review_flags, excluded.state_hash,
        excluded.version,
        case when excluded.version <> base.person_current.version then excluded.valid_from
             else base.person_current.valid_from end,
        excluded.ref_date
    )
