-- An existing person's current row: replaced on a new version; refreshed in place (version and
-- valid_from kept) otherwise. New persons are inserted by merge_current_insert.sql.
update base.person_current as c
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
        r.name, r.sex, r.ethnicity, r.birth_date, r.household_no, r.hukou_address, r.residence_address,
        r.phone, r.hukou_region, r.county_code, r.town_code, r.village_code, r.hukou_status,
        r.registered, r.age, r.student, r.military, r.deceased_on, r.should_insure, r.is_employee,
        r.employment_status, r.employer_uscc, r.employer_name, r.ins_110, r.ins_120, r.ins_170,
        r.ins_210, r.ins_310, r.ins_390, r.ins_410, r.ins_510, r.elsewhere, r.cov_pension,
        r.cov_medical, r.cov_210, r.cov_410, r.cov_510, r.category, r.mismatched_fields, r.reasons,
        r.non_enrollment_reason, r.reason_employer_uscc, r.sources, r.record, r.record_hash,
        r.review_flags, r.state_hash,
        ch.version,
        case when ch.new_version then :now else c.valid_from end,
        :ref_date
    )
from c_changed as ch
join c_record as r on r.person_id = ch.person_id
where c.person_id = ch.person_id
  and not ch.is_new
