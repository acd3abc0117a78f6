-- The provider x location x payer half of the credential matrix: enrollment status and dates, and
-- whether the provider can bill that payer at that location today (enrollment in effect and every
-- credential billing needs valid), and when the enrollment is due for revalidation (its effective date +
-- the payer type's cycle in enrollment_revalidation_cycles).
with

enrollments as (

    select * from {{ ref('stg_credentialing__payer_enrollments') }}

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

payers as (

    select * from {{ ref('stg_contracts__payers') }}

),

validity as (

    select * from {{ ref('int_provider_billing_validity') }}

),

revalidation_cycles as (

    select * from {{ ref('enrollment_revalidation_cycles') }}

),

latest as (

    select
        enrollments.*,
        row_number() over (
            partition by provider_id, location_id, payer_id
            order by effective_date desc nulls last, enrollment_id desc
        ) as enrollment_rank
    from enrollments

),

final as (

    select
        latest.enrollment_id,
        latest.provider_id,
        providers.first_name || ' ' || providers.last_name as provider_name,
        providers.credential_type as provider_discipline,
        latest.location_id,
        latest.payer_id,
        payers.payer_name,
        latest.status as enrollment_status,
        latest.effective_date,
        latest.termination_date,
        latest.status = 'enrolled'
        and latest.effective_date is not null
        and latest.effective_date <= {{ as_of_date() }}
        and (latest.termination_date is null or latest.termination_date > {{ as_of_date() }})
            as is_enrollment_in_effect,
        validity.billing_valid_through_date,
        validity.first_lapsing_credential_type,
        coalesce(validity.billing_valid_through_date >= {{ as_of_date() }}, false) as are_billing_credentials_valid,
        case
            when latest.status <> 'enrolled' then 'enrollment_' || latest.status
            when
                latest.effective_date is null or latest.effective_date > {{ as_of_date() }}
                then 'enrollment_not_effective'
            when
                latest.termination_date is not null and latest.termination_date <= {{ as_of_date() }}
                then 'enrollment_terminated'
            when validity.billing_valid_through_date is null or validity.billing_valid_through_date < {{ as_of_date() }}
                then 'credential_lapsed'
        end as blocking_reason,
        case
            when latest.status = 'enrolled' and latest.effective_date is not null
                then cast({{ dbt.dateadd('month', 'revalidation_cycles.cycle_months', 'latest.effective_date') }} as date)  -- noqa: LT05
        end as revalidation_due_date,
        {{ as_of_date() }} as as_of_date
    from latest
    inner join providers
        on latest.provider_id = providers.provider_id
    left join payers
        on latest.payer_id = payers.payer_id
    left join validity
        on latest.provider_id = validity.provider_id
    left join revalidation_cycles
        on payers.payer_type = revalidation_cycles.payer_type
    where latest.enrollment_rank = 1

),

with_flag as (

    select
        final.*,
        blocking_reason is null as can_bill_today,
        {{ dbt.datediff('as_of_date', 'revalidation_due_date', 'day') }} as days_to_revalidation  -- noqa: LT05
    from final

)

select * from with_flag
