-- Clean-claim rate: the share of claims (latest 837P version) that pass every pre-submission audit
-- rule, per location, payer and month of service, against the benchmark of seed kpi_benchmarks (95% by default;
-- docs/domain-reference.md section 8).
with

lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

failures as (

    select * from {{ ref('fct_claim_audit_failures') }}

),

benchmark as (

    select benchmark_value from {{ ref('kpi_benchmarks') }}
    where kpi = 'clean_claim_rate'

),

claims as (

    select
        claim_id,
        min(location_id) as location_id,
        min(payer_id) as payer_id,
        min(payer_name) as payer_name,
        min(service_date) as service_date,
        sum(charge_amount) as charge_amount
    from lines
    group by claim_id

),

failed_claims as (

    select
        claim_id,
        count(*) as failure_count
    from failures
    group by claim_id

),

final as (

    select
        claims.location_id,
        claims.payer_id,
        max(claims.payer_name) as payer_name,
        cast({{ dbt.date_trunc('month', 'claims.service_date') }} as {{ dbt.type_timestamp() }}) as service_month,
        count(*) as claim_count,
        sum(case when failed_claims.claim_id is null then 1 else 0 end) as clean_claim_count,
        sum(case when failed_claims.claim_id is not null then 1 else 0 end) as failed_claim_count,
        cast(sum(case when failed_claims.claim_id is not null then claims.charge_amount else 0 end) as decimal(12, 2))
            as failed_charge_amount,
        cast(sum(case when failed_claims.claim_id is null then 1 else 0 end) as {{ type_double() }}) / count(*)
            as clean_claim_rate,
        max(benchmark.benchmark_value) as benchmark_rate
    from claims
    -- A left join, so a missing benchmark row shows as a null benchmark (tested not_null) instead of no rows.
    left join benchmark
        on true
    left join failed_claims
        on claims.claim_id = failed_claims.claim_id
    group by claims.location_id, claims.payer_id, {{ dbt.date_trunc('month', 'claims.service_date') }}

)

select * from final
