-- One row per failed audit rule on a line of a claim in flag_claim_audit_failures: what the billing fix lists.
with

flags as (

    select * from {{ ref('flag_claim_audit_failures') }}

),

failures as (

    select * from {{ ref('fct_claim_audit_failures') }}

),

final as (

    select
        failures.audit_failure_id,
        failures.rule_name,
        failures.rule_version,
        failures.claim_id,
        failures.line_number,
        failures.service_date,
        failures.procedure_code,
        failures.modifiers,
        failures.units,
        failures.charge_amount,
        failures.place_of_service,
        failures.failure_detail,
        failures.fix
    from failures
    inner join flags
        on failures.claim_id = flags.claim_id

)

select * from final
