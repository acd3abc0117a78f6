{%- set rule_name = 'booking_mismatch' -%}
{%- set rule_version = '1' -%}
-- The front desk's booking work queue: one row per booked visit in the next four weeks that breaks a
-- booking constraint (fct_booking_checks), with the fix. No patient identifiers beyond the patient_id.
with

checks as (

    select * from {{ ref('fct_booking_checks') }}

),

providers as (

    select * from {{ ref('dim_providers') }}

),

payers as (

    select * from {{ ref('dim_payers') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'checks.appointment_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        checks.as_of_date,
        checks.appointment_id,
        checks.location_id,
        checks.patient_id,
        checks.payer_id,
        payers.payer_name,
        checks.is_medicaid,
        checks.provider_id,
        providers.provider_name,
        checks.visit_date,
        checks.local_start_minute,
        checks.credential_check,
        checks.authorization_check,
        checks.authorization_id,
        checks.last_authorization_end_date,
        checks.alternative_provider_id,
        alternative.provider_name as alternative_provider_name,
        trim(
            case
                when checks.credential_check <> 'ok'
                    then 'Therapist not enrolled with the payer on the visit date. '
                else ''
            end
            || case checks.authorization_check
                when 'beyond_authorized_count' then 'Visit is beyond the authorized count. '
                when 'after_authorization_end' then 'Visit is after the authorization end date. '
                when 'no_authorization' then 'No approved authorization covers the visit. '
                else ''
            end
        ) as mismatch_reasons,
        trim(
            case
                when checks.credential_check <> 'ok' and checks.alternative_provider_id is not null
                    then
                        'Move the visit to ' || alternative.provider_name || ', who is enrolled and free at that time. '
                when checks.credential_check <> 'ok'
                    then
                        'Move the visit to a therapist enrolled with the payer, or hold it until enrollment is effective. '  -- noqa: LT05
                else ''
            end
            || case
                when checks.authorization_check <> 'ok'
                    then 'Request a re-authorization before the visit, or reschedule it inside the authorization. '
                else ''
            end
        ) as suggested_fix,
        checks.dollars_at_risk,
        checks.visit_date as due_date
    from checks
    left join providers
        on checks.provider_id = providers.provider_id
    left join providers as alternative
        on checks.alternative_provider_id = alternative.provider_id
    left join payers
        on checks.payer_id = payers.payer_id
    where checks.is_mismatch

)

select * from final
