-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per eligibility_benefit_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'eligibility_benefits'), ['eligibility_benefit_id']) }}

),

final as (

    select
        eligibility_benefit_id,
        eligibility_response_id,
        benefit_ordinal,
        eligibility_code,
        coverage_level,
        service_type_code,
        insurance_type,
        plan_description,
        time_period_qualifier,
        monetary_amount,
        quantity_qualifier,
        quantity,
        in_plan_network,
        related_entity_code,
        related_entity_name,
        related_entity_identifier,
        _file_name as source_file_name,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
