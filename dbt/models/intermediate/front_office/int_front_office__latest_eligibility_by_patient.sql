-- Each patient's latest usable eligibility answer (active or inactive; rejected and empty answers do not
-- count) with what it says against the coverage on file: inactive, another plan/MCO, another payer not
-- on file, OT visits used up.
with

checks as (

    select * from {{ ref('int_front_office__eligibility_checks') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

ranked as (

    select
        checks.*,
        row_number()
            over (partition by checks.patient_id order by checks.checked_at desc, checks.eligibility_check_id desc)
            as answer_rank
    from checks
    where
        checks.coverage_status in ('active', 'inactive')
        and checks.checked_at <= cast({{ date_add_days(1, as_of_date()) }} as {{ dbt.type_timestamp() }})

),

primary_coverages as (

    select
        coverages.*,
        row_number()
            over (partition by coverages.patient_id order by coverages.effective_date desc, coverages.coverage_id desc)
            as coverage_rank
    from coverages
    where
        coverages.priority = 1
        and coverages.effective_date <= {{ as_of_date() }}
        and (coverages.termination_date is null or coverages.termination_date >= {{ as_of_date() }})

),

-- Another payer the family already told us about is coordination of benefits on file, not news.
other_payer_on_file as (

    select distinct ranked.eligibility_check_id
    from ranked
    inner join coverages
        on
            ranked.patient_id = coverages.patient_id
            and coverages.priority > 1
            and upper(trim(ranked.other_payer_name)) = upper(trim(coverages.payer_name))
    where ranked.answer_rank = 1

),

final as (

    select
        ranked.patient_id,
        ranked.eligibility_check_id,
        ranked.check_source,
        ranked.checked_at,
        ranked.coverage_status,
        ranked.responding_payer_id,
        ranked.reported_plan_payer_id,
        ranked.other_payer_name,
        ranked.ot_visits_remaining,
        primary_coverages.coverage_id,
        primary_coverages.payer_id as coverage_payer_id,
        primary_coverages.payer_name as coverage_payer_name,
        ranked.coverage_status = 'inactive' as is_inactive,
        coalesce(ranked.reported_plan_payer_id <> primary_coverages.payer_id, false) as is_plan_change,
        ranked.other_payer_name is not null
        and other_payer_on_file.eligibility_check_id is null as is_other_payer_reported,
        coalesce(ranked.ot_visits_remaining <= 0, false) as is_visit_limit_reached
    from ranked
    left join primary_coverages
        on ranked.patient_id = primary_coverages.patient_id and primary_coverages.coverage_rank = 1
    left join other_payer_on_file
        on ranked.eligibility_check_id = other_payer_on_file.eligibility_check_id
    where ranked.answer_rank = 1

)

select * from final
