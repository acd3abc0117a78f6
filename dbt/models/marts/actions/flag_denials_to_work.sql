-- One row per denied claim and route (appeal, corrected claim, retro-authorization request, write-off review,
-- rebill the other payer, credentialing fix, ...) whose deadline has not passed: the work item a billing
-- coordinator drafts, with the payer's correction rules and the claim's proof of timely filing.
with

denials as (

    select * from {{ ref('fct_denials') }}
    where route <> 'no_action' and not is_past_deadline

),

final as (

    select
        work_flag_id as flag_id,
        'denial_work' as rule_name,
        '1' as rule_version,
        min(as_of_date) as as_of_date,
        claim_id,
        route,
        min(location_id) as location_id,
        min(patient_id) as patient_id,
        min(visit_id) as visit_id,
        min(payer_id) as payer_id,
        min(payer_name) as payer_name,
        min(payer_type) as payer_type,
        min(payer_claim_control_number) as payer_claim_control_number,
        min(service_date) as service_date,
        min(denial_date) as denial_date,
        {{ dbt.listagg('distinct denial_category', "'|'", 'order by denial_category') }} as denial_categories,
        {{ dbt.listagg('distinct denial_carc', "'|'", 'order by denial_carc') }} as carcs,
        {{ dbt.listagg("cast(line_number as " ~ dbt.type_string() ~ ")", "'|'", 'order by line_number') }}
            as line_numbers,
        min(action_note) as action_note,
        min(correction_method) as correction_method,
        min(distinct_service_modifier) as distinct_service_modifier,
        min(accepted_date) as accepted_date,
        min(filing_limit_date) as filing_limit_date,
        min(case when has_appeal_rights then 1 else 0 end) = 1 as has_appeal_rights,
        count(*) as denied_line_count,
        cast(sum(dollars_at_risk) as decimal(12, 2)) as dollars_at_risk,
        min(deadline_date) as due_date,
        min(days_left) as days_left
    from denials
    group by work_flag_id, claim_id, route

)

select * from final
