{%- set rule_name = 'open_plan_no_future_visit' -%}
{%- set rule_version = '1' -%}
-- One row per child with an open plan of care and no visit booked on or after the as-of date
-- (fct_open_plans_without_future_visit): a front-desk task to call the family and book the next visits.
-- Carries only what the call or text needs (no diagnosis, member id or clinical detail).
with

unbooked as (

    select * from {{ ref('fct_open_plans_without_future_visit') }}

),

patients as (

    select * from {{ ref('dim_patients') }}

),

locations as (

    select * from {{ ref('dim_locations') }}

),

providers as (

    select * from {{ ref('dim_providers') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'unbooked.patient_id', "':'", 'unbooked.plan_of_care_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        unbooked.as_of_date,
        unbooked.patient_id,
        unbooked.plan_of_care_id,
        unbooked.location_id,
        locations.location_name,
        unbooked.payer_id,
        unbooked.plan_end_date,
        unbooked.frequency_per_week,
        unbooked.last_kept_visit_date,
        unbooked.days_since_last_kept_visit,
        unbooked.last_provider_id,
        providers.first_name as last_provider_first_name,
        unbooked.weeks_at_risk,
        unbooked.dollars_at_risk,
        patients.guardian_phone
    from unbooked
    left join patients
        on unbooked.patient_id = patients.patient_id
    left join locations
        on unbooked.location_id = locations.location_id
    left join providers
        on unbooked.last_provider_id = providers.provider_id

)

select * from final
