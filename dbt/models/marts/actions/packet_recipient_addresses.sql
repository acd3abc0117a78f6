-- One row per recipient a drafted action can be sent to, with the fax or mobile number the latest extracts
-- carry. Drafts bind a fingerprint of the number they were approved with; the dispatcher reads the number
-- from the serving snapshot's copy of this table when it sends (delivery/recipients.py).
with

payers as (

    select * from {{ ref('stg_contracts__payers') }}

),

referrals as (

    select * from {{ ref('stg_ehr__referrals') }}

),

plans_of_care as (

    select * from {{ ref('stg_ehr__plans_of_care') }}

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

addresses as (

    select
        'payer_fax' as recipient_kind,
        payer_id as recipient_id,
        fax_number as address
    from payers
    union all
    select
        'referral_physician_fax' as recipient_kind,
        referral_id as recipient_id,
        referring_provider_fax as address
    from referrals
    union all
    select
        'plan_physician_fax' as recipient_kind,
        plan_of_care_id as recipient_id,
        physician_fax as address
    from plans_of_care
    union all
    select
        'guardian_mobile' as recipient_kind,
        patient_id as recipient_id,
        guardian_phone as address
    from patients

),

final as (

    select
        recipient_kind,
        recipient_id,
        trim(address) as address
    from addresses
    where address is not null and trim(address) <> ''

)

select * from final
