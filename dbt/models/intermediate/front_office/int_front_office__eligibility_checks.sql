-- Every eligibility check in one shape, whether it came as an X12 271 response or as a CSV export:
-- the coverage status, the plan/MCO the payer reports (2120C Y2), another payer (EB01 R) and the OT
-- visits remaining (EB01 F, service type AD, EB06 29 remaining, EB09 VS).
with

responses as (

    select * from {{ ref('stg_clearinghouse__eligibility_responses') }}

),

benefits as (

    select * from {{ ref('stg_clearinghouse__eligibility_benefits') }}

),

csv_checks as (

    select * from {{ ref('stg_ehr__eligibility_checks') }}

),

payers as (

    select * from {{ ref('dim_payers') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

benefit_facts as (

    select
        benefits.eligibility_response_id,
        max(case when benefits.eligibility_code = '1' and benefits.service_type_code in ('30', 'AD') then 1 else 0 end)
            as has_active_benefit,
        max(case when benefits.eligibility_code = '6' then 1 else 0 end) as has_inactive_benefit,
        max(case when benefits.related_entity_code = 'Y2' then reported_payers.payer_id end) as reported_plan_payer_id,
        max(case when benefits.related_entity_code = 'Y2' then benefits.related_entity_name end) as reported_plan_name,
        max(
            case
                when
                    benefits.eligibility_code = 'R'
                    then coalesce(benefits.related_entity_name, benefits.plan_description)
            end
        )
            as other_payer_name,
        min(
            case
                when
                    benefits.eligibility_code = 'F' and benefits.service_type_code = 'AD'
                    and benefits.time_period_qualifier = '29' and benefits.quantity_qualifier = 'VS'
                    then cast(benefits.quantity as integer)
            end
        ) as ot_visits_remaining
    from benefits
    left join payers as reported_payers
        on benefits.related_entity_identifier = reported_payers.x12_payer_id
    group by benefits.eligibility_response_id

),

-- A response is read back to the child by REF*EJ (patient account number), else by its trace number (TRN*2
-- echoes the 270's TRN*1, which the 270 batch sets to the appointment id), else by the member id.
x12_checks as (

    select
        responses.eligibility_response_id as eligibility_check_id,
        'x12_271' as check_source,
        coalesce(responses.patient_account_number, traced.patient_id, member_match.patient_id) as patient_id,
        asked_payers.payer_id as responding_payer_id,
        responses.responded_at as checked_at,
        case
            when responses.reject_reason_code is not null then 'rejected'
            when benefit_facts.has_active_benefit = 1 then 'active'
            when benefit_facts.has_inactive_benefit = 1 then 'inactive'
            else 'unknown'
        end as coverage_status,
        benefit_facts.reported_plan_payer_id,
        benefit_facts.other_payer_name,
        benefit_facts.ot_visits_remaining,
        responses.reject_reason_code,
        responses.source_file_name
    from responses
    left join benefit_facts
        on responses.eligibility_response_id = benefit_facts.eligibility_response_id
    left join payers as asked_payers
        on responses.payer_identifier = asked_payers.x12_payer_id
    left join appointments as traced
        on
            responses.patient_account_number is null
            and responses.trace_number = traced.appointment_id
    left join coverages as member_match
        on
            responses.patient_account_number is null
            and traced.appointment_id is null
            and responses.member_id = member_match.member_id

),

csv_shaped as (

    select
        eligibility_check_id,
        'csv' as check_source,
        patient_id,
        payer_id as responding_payer_id,
        checked_at,
        coverage_status,
        reported_plan_payer_id,
        other_payer_name,
        ot_visits_remaining,
        reject_reason_code,
        source_file_name
    from csv_checks

),

final as (

    select * from x12_checks
    union all
    select * from csv_shaped

)

select * from final
