-- First-pass clean-claim rate, per location, payer and month of service, against the benchmark of seed
-- kpi_benchmarks (95% by default; docs/domain-reference-claims.md, KPIs): a claim is clean on its first pass
-- when its first submission went out unchanged and unrejected: it passes every pre-submission audit rule, no
-- later 837P version of it was sent (a corrected or resent claim is the manual rework the rate measures, so it
-- never cleans the claim up) and the clearinghouse or payer never rejected it (999/277CA).
with

lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

failures as (

    select * from {{ ref('fct_claim_audit_failures') }}

),

claim_headers as (

    select * from {{ ref('stg_clearinghouse__claim_headers') }}
    where coalesce(payer_sequence, 'P') = 'P'

),

acknowledgements as (

    select * from {{ ref('fct_claim_acknowledgements') }}

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

-- Every primary-payer 837P version of the claim ever delivered: more than one means it was sent again.
resubmitted_claims as (

    select claim_id
    from claim_headers
    group by claim_id
    having count(distinct claim_record_id) > 1

),

rejected_claims as (

    select claim_id
    from acknowledgements
    where rejection_count > 0

),

first_pass as (

    select
        claims.*,
        failed_claims.claim_id is not null as is_audit_failed,
        resubmitted_claims.claim_id is not null as is_resubmitted,
        rejected_claims.claim_id is not null as is_rejected,
        failed_claims.claim_id is null
        and resubmitted_claims.claim_id is null
        and rejected_claims.claim_id is null as is_first_pass_clean
    from claims
    left join failed_claims
        on claims.claim_id = failed_claims.claim_id
    left join resubmitted_claims
        on claims.claim_id = resubmitted_claims.claim_id
    left join rejected_claims
        on claims.claim_id = rejected_claims.claim_id

),

final as (

    select
        first_pass.location_id,
        first_pass.payer_id,
        max(first_pass.payer_name) as payer_name,
        cast({{ dbt.date_trunc('month', 'first_pass.service_date') }} as {{ dbt.type_timestamp() }}) as service_month,
        count(*) as claim_count,
        sum(case when first_pass.is_first_pass_clean then 1 else 0 end) as clean_claim_count,
        sum(case when first_pass.is_audit_failed then 1 else 0 end) as failed_claim_count,
        sum(case when first_pass.is_resubmitted then 1 else 0 end) as resubmitted_claim_count,
        sum(case when first_pass.is_rejected then 1 else 0 end) as rejected_claim_count,
        cast(sum(case when first_pass.is_audit_failed then first_pass.charge_amount else 0 end) as decimal(12, 2))
            as failed_charge_amount,
        cast(sum(case when first_pass.is_first_pass_clean then 1 else 0 end) as {{ type_double() }}) / count(*)
            as clean_claim_rate,
        max(benchmark.benchmark_value) as benchmark_rate
    from first_pass
    -- A left join, so a missing benchmark row shows as a null benchmark (tested not_null) instead of no rows.
    left join benchmark
        on true
    group by first_pass.location_id, first_pass.payer_id, {{ dbt.date_trunc('month', 'first_pass.service_date') }}

)

select * from final
