-- One row per current plan of care (active or draft) and per plan still waiting for the physician's
-- signature: visits since the last progress point and the payer's progress-report rule, days to the
-- payer's recertification, the signature's age and whether the plan went to the child's primary care
-- physician. The sources carry no separate progress-report record, so the last progress point is the
-- plan's start (each recertification starts a new plan after a re-evaluation).
-- Rules come from the front_office_plan_of_care_rules seed (by payer, else payer type).
with

plans as (

    select * from {{ ref('stg_ehr__plans_of_care') }}

),

patients as (

    select * from {{ ref('dim_patients') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

payers as (

    select * from {{ ref('dim_payers') }}

),

rules as (

    select * from {{ ref('int_front_office__payer_plan_of_care_rules') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

primary_coverages as (

    select
        coverages.patient_id,
        coverages.payer_id,
        row_number() over (
            partition by coverages.patient_id
            order by coverages.effective_date desc, coverages.coverage_id desc
        ) as coverage_rank
    from coverages
    cross join as_of
    where
        coverages.priority = 1
        and coverages.effective_date <= as_of.as_of_date
        and (coverages.termination_date is null or coverages.termination_date >= as_of.as_of_date)

),

in_scope as (

    select
        plans.*,
        as_of.as_of_date
    from plans
    cross join as_of
    where plans.status in ('active', 'draft') or plans.physician_signed_date is null

),

visit_counts as (

    select
        in_scope.plan_of_care_id,
        count(visits.visit_id) as visits_since_progress_point
    from in_scope
    inner join visits
        on
            in_scope.patient_id = visits.patient_id
            and in_scope.start_date <= visits.date_of_service
            and in_scope.as_of_date >= visits.date_of_service
    group by in_scope.plan_of_care_id

),

joined as (

    select
        in_scope.plan_of_care_id,
        in_scope.patient_id,
        patients.location_id,
        in_scope.provider_id,
        in_scope.status as plan_status,
        in_scope.evaluation_date,
        in_scope.start_date as plan_start_date,
        in_scope.end_date as plan_end_date,
        in_scope.physician_npi,
        in_scope.physician_signed_date,
        patients.primary_care_physician_npi,
        primary_coverages.payer_id,
        payers.payer_name,
        payers.payer_type,
        rules.progress_report_every_visits,
        rules.recert_every_days,
        rules.signature_chase_after_days,
        in_scope.as_of_date,
        coalesce(visit_counts.visits_since_progress_point, 0) as visits_since_progress_point,
        {{ dbt.datediff('in_scope.start_date', 'in_scope.as_of_date', 'day') }} as days_since_plan_start,  -- noqa: LT05
        {{ dbt.datediff('in_scope.evaluation_date', 'in_scope.as_of_date', 'day') }} as evaluation_age_days  -- noqa: LT05
    from in_scope
    left join patients
        on in_scope.patient_id = patients.patient_id
    left join primary_coverages
        on in_scope.patient_id = primary_coverages.patient_id and primary_coverages.coverage_rank = 1
    left join payers
        on primary_coverages.payer_id = payers.payer_id
    left join rules
        on primary_coverages.payer_id = rules.payer_id
    left join visit_counts
        on in_scope.plan_of_care_id = visit_counts.plan_of_care_id

),

final as (

    select
        *,
        case when recert_every_days is not null then recert_every_days - days_since_plan_start end as days_to_recert,
        physician_signed_date is null as is_signature_outstanding,
        case when physician_signed_date is null then evaluation_age_days end as signature_age_days,
        case
            when physician_signed_date is null and evaluation_age_days > signature_chase_after_days
                then cast(floor((evaluation_age_days - signature_chase_after_days - 1) / 7) as integer) + 1
        end as signature_follow_up_number,
        coalesce(physician_npi is not null and physician_npi = primary_care_physician_npi, false) as is_sent_to_pcp,
        coalesce(
            plan_status = 'active' and progress_report_every_visits is not null
            and visits_since_progress_point >= progress_report_every_visits,
            false
        ) as is_progress_report_due,
        coalesce(
            plan_status = 'active' and recert_every_days is not null and days_since_plan_start >= recert_every_days,
            false
        ) as is_recert_due,
        coalesce(
            physician_signed_date is null and evaluation_age_days > signature_chase_after_days,
            false
        ) as is_signature_overdue,
        coalesce(
            physician_signed_date is null and physician_npi is not null and physician_npi = primary_care_physician_npi,
            false
        ) as is_pcp_order_unsigned
    from joined

)

select * from final
