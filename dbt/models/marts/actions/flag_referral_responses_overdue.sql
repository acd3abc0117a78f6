{%- set rule_name = 'referral_response_overdue' -%}
{%- set rule_version = '1' -%}
-- Open referrals nobody has answered past the first-response target: call the family / referrer back.
with

pipeline as (

    select * from {{ ref('fct_referral_pipeline') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'referral_id'])) }} as flag_id,  -- noqa: LT05
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        as_of_date,
        referral_id,
        patient_id,
        location_id,
        channel,
        status,
        received_at,
        first_response_due_at,
        {{ dbt.datediff('first_response_due_at', 'cast(as_of_date as ' ~ dbt.type_timestamp() ~ ')', 'hour') }} as hours_overdue,  -- noqa: LT05
        cast(0 as decimal(12, 2)) as dollars_at_risk,
        cast(first_response_due_at as date) as due_date
    from pipeline
    where is_first_response_overdue

)

select * from final
