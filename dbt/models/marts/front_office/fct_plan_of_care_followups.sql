-- One row per current plan of care (active or draft) and per plan still waiting for the physician's
-- signature: visits since the last progress point and the payer's progress-report rule, days to the
-- payer's recertification, the signature's age and whether the plan went to the child's primary care
-- physician. The sources carry no separate progress-report record, so the last progress point is the
-- plan's start (each recertification starts a new plan after a re-evaluation).
-- Signatures: an established (non-draft) unsigned plan is sent for signature at once, then chased every
-- signature_chase_every_days once older than signature_chase_after_days, until signed; the payer's
-- certification deadline (certification_deadline_days after the plan's start) is the deadline. Where the
-- payer accepts it, a signed physician order on file replaces the signature on the child's first plan:
-- that plan is still sent (for the record), never chased.
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

referrals as (

    select * from {{ ref('stg_ehr__referrals') }}

),

intake_documents as (

    select * from {{ ref('stg_ehr__intake_documents') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

-- Children with a physician order received on or before the as-of date.
orders_on_file as (

    select distinct referrals.patient_id
    from referrals
    inner join intake_documents
        on referrals.referral_id = intake_documents.referral_id
    cross join as_of
    where
        intake_documents.document_type = 'physician_order'
        and intake_documents.status = 'received'
        and (intake_documents.received_date is null or intake_documents.received_date <= as_of.as_of_date)

),

-- A child's first plan: no plan of the same child starts earlier.
first_plans as (

    select plan_of_care_id
    from (
        select
            plan_of_care_id,
            row_number() over (partition by patient_id order by start_date, plan_of_care_id) as plan_number
        from plans
    ) as numbered
    where plan_number = 1

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
        rules.signature_chase_every_days,
        rules.certification_deadline_days,
        coalesce(rules.order_on_file_waives_initial_signature, false)
        and first_plans.plan_of_care_id is not null
        and orders_on_file.patient_id is not null as is_signature_waived_by_order,
        case
            when rules.certification_deadline_days is not null
                then cast({{ dbt.dateadd('day', 'rules.certification_deadline_days', 'in_scope.start_date') }} as date)
        end as certification_deadline_date,
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
    left join first_plans
        on in_scope.plan_of_care_id = first_plans.plan_of_care_id
    left join orders_on_file
        on in_scope.patient_id = orders_on_file.patient_id

),

final as (

    select
        *,
        case when recert_every_days is not null then recert_every_days - days_since_plan_start end as days_to_recert,
        physician_signed_date is null as is_signature_outstanding,
        case when physician_signed_date is null then evaluation_age_days end as signature_age_days,
        case
            when
                physician_signed_date is null and not is_signature_waived_by_order
                and evaluation_age_days > signature_chase_after_days
                then
                    cast(
                        floor((evaluation_age_days - signature_chase_after_days - 1) / signature_chase_every_days)
                        as integer
                    )
                    + 1
        end as signature_follow_up_number,
        case
            when certification_deadline_date is not null
                then {{ dbt.datediff('as_of_date', 'certification_deadline_date', 'day') }}
        end as days_to_certification_deadline,
        coalesce(
            physician_signed_date is null and not is_signature_waived_by_order
            and certification_deadline_date < as_of_date,
            false
        ) as is_certification_late,
        coalesce(
            physician_signed_date is null and plan_status <> 'draft' and evaluation_age_days >= 0
            and evaluation_age_days <= signature_chase_after_days,
            false
        ) as is_signature_request_due,
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
            physician_signed_date is null and not is_signature_waived_by_order
            and evaluation_age_days > signature_chase_after_days,
            false
        ) as is_signature_overdue,
        coalesce(
            physician_signed_date is null and physician_npi is not null and physician_npi = primary_care_physician_npi,
            false
        ) as is_pcp_order_unsigned
    from joined

)

select * from final
