-- The contracted value of one visit for each patient and payer: the average over the patient's priced
-- kept visits under that payer; else the payer's median visit amount; else the group's median.
with

visit_amounts as (

    select * from {{ ref('int_visit_contracted_amounts') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

priced_visits as (

    select * from visit_amounts
    where contracted_amount is not null

),

patient_payer_pairs as (

    select distinct
        patient_id,
        payer_id
    from coverages

),

patient_rates as (

    select
        patient_id,
        payer_id,
        avg(contracted_amount) as patient_visit_rate,
        count(*) as priced_visit_count
    from priced_visits
    group by patient_id, payer_id

),

payer_medians as (

    select
        payer_id,
        percentile_cont(0.5) within group (order by contracted_amount) as payer_median_visit_rate
    from priced_visits
    group by payer_id

),

group_median as (

    select percentile_cont(0.5) within group (order by contracted_amount) as group_median_visit_rate
    from priced_visits

),

final as (

    select
        patient_payer_pairs.patient_id,
        patient_payer_pairs.payer_id,
        cast(
            coalesce(
                patient_rates.patient_visit_rate,
                payer_medians.payer_median_visit_rate,
                group_median.group_median_visit_rate
            ) as decimal(12, 2)
        ) as contracted_visit_rate,
        case
            when patient_rates.patient_visit_rate is not null then 'patient_history'
            when payer_medians.payer_median_visit_rate is not null then 'payer_median'
            when group_median.group_median_visit_rate is not null then 'group_median'
            else 'none'
        end as rate_source,
        coalesce(patient_rates.priced_visit_count, 0) as priced_visit_count
    from patient_payer_pairs
    left join patient_rates
        on
            patient_payer_pairs.patient_id = patient_rates.patient_id
            and patient_payer_pairs.payer_id = patient_rates.payer_id
    left join payer_medians
        on patient_payer_pairs.payer_id = payer_medians.payer_id
    cross join group_median

)

select * from final
