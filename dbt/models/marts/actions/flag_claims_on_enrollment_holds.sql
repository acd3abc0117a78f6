{%- set rule_name = 'claim_enrollment_hold' -%}
{%- set rule_version = '1' -%}
-- Claims held for a newly enrolled therapist, one row per provider, location, payer and hold status
-- (fct_claim_enrollment_holds): 'hold' for dates of service before the effective date or under a pending
-- enrollment (tell billing to hold; the effective date coming does not release them), 'release' for claims
-- held while pending whose dates of service the effective date covers, listed for the payer's release window
-- after the effective date (enrollment_release_window_days, the mart's seed value; tell billing to release).
-- The status is in the key: the release is a new notice, and the hold notice auto-resolves when its flag
-- disappears.
with

holds as (

    select * from {{ ref('fct_claim_enrollment_holds') }}

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

payers as (

    select * from {{ ref('stg_contracts__payers') }}

),

grouped as (

    select
        provider_id,
        location_id,
        payer_id,
        hold_status,
        min(enrollment_id) as enrollment_id,
        min(enrollment_status) as enrollment_status,
        min(release_date) as release_date,
        min(enrollment_release_window_days) as enrollment_release_window_days,
        count(*) as held_claim_count,
        sum(case when is_before_effective_date then 1 else 0 end) as before_effective_count,
        min(date_of_service) as first_date_of_service,
        max(date_of_service) as last_date_of_service,
        sum(contracted_amount) as held_amount
    from holds
    group by provider_id, location_id, payer_id, hold_status

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'grouped.provider_id', "':'",
            'grouped.location_id', "':'", 'grouped.payer_id', "':'", 'grouped.hold_status'
        ])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        grouped.provider_id,
        providers.first_name || ' ' || providers.last_name as provider_name,
        providers.npi as provider_npi,
        grouped.location_id,
        grouped.payer_id,
        payers.payer_name,
        grouped.hold_status,
        grouped.enrollment_id,
        grouped.enrollment_status,
        grouped.release_date,
        grouped.enrollment_release_window_days,
        grouped.held_claim_count,
        grouped.before_effective_count,
        grouped.first_date_of_service,
        grouped.last_date_of_service,
        cast(grouped.held_amount as decimal(12, 2)) as dollars_at_risk,
        -- Due by the effective date (past for a release: submit since then). A pending enrollment has none: the
        -- action ledger makes the notice due the day a run first drafts it.
        grouped.release_date as due_date
    from grouped
    inner join providers
        on grouped.provider_id = providers.provider_id
    left join payers
        on grouped.payer_id = payers.payer_id

)

select * from final
