-- One row per secondary coverage named by a claim in flag_secondary_claims_due: the member id the secondary
-- 837P bills under.
with

flags as (

    select distinct secondary_coverage_id from {{ ref('flag_secondary_claims_due') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

final as (

    select
        coverages.coverage_id,
        coverages.member_id
    from coverages
    inner join flags
        on coverages.coverage_id = flags.secondary_coverage_id

)

select * from final
