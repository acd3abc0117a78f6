{%- set rule_name = 'referral_packet_item_missing' -%}
{%- set rule_version = '1' -%}
-- One row per missing intake-packet item of an open referral that someone can chase now, with the
-- channel that chases it: the physician order by fax to the referring physician (else the child's PCP),
-- family items by a nudge naming only that item, prior therapy records and the school IEP by a records
-- request with the signed release attached (so only once the release is in; until then the family is
-- nudged for the release).
with

pipeline as (

    select * from {{ ref('fct_referral_pipeline') }}

),

documents as (

    select * from {{ ref('stg_ehr__intake_documents') }}

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

missing as (

    select
        pipeline.*,
        documents.document_id,
        documents.document_type,
        documents.status as document_status,
        documents.requested_date,
        case
            when documents.document_type = 'physician_order' then 'physician_fax'
            when documents.document_type in ('prior_therapy_records', 'school_iep') then 'records_request'
            else 'family_nudge'
        end as chase_channel
    from pipeline
    inner join documents
        on pipeline.referral_id = documents.referral_id
    where
        pipeline.is_open
        and documents.status in ('requested', 'missing')

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'missing.document_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        missing.as_of_date,
        missing.referral_id,
        missing.document_id,
        missing.document_type,
        missing.document_status,
        missing.requested_date,
        missing.chase_channel,
        missing.patient_id,
        missing.location_id,
        missing.channel as referral_channel,
        missing.received_at,
        coalesce(missing.referring_provider_npi, patients.primary_care_physician_npi) as physician_npi,
        -- The referring physician's name, when the referral carries it (not for the PCP fallback).
        case when missing.referring_provider_npi is not null then missing.referring_provider_name end as physician_name,
        missing.release_of_information_status = 'received' as has_signed_release,
        cast(0 as decimal(12, 2)) as dollars_at_risk,
        -- Due since it was asked for: a date that stays put while the item is chased (the as-of date would move
        -- every night and redraft every chase).
        coalesce(missing.requested_date, cast(missing.received_at as date)) as due_date
    from missing
    left join patients
        on missing.patient_id = patients.patient_id
    where missing.chase_channel <> 'records_request' or missing.release_of_information_status = 'received'

)

select * from final
