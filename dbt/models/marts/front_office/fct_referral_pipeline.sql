-- The referral pipeline: every referral from its four channels with its first-response deadline (a
-- setting: business days on the receiving location's local calendar, the group's holidays skipped;
-- overdue is judged at 00:00 local time on the as-of date), the location it should go to, its intake packet,
-- whether the evaluation is
-- booked, and how long each stage took.
{%- set items = ['physician_order', 'insurance_card', 'developmental_history', 'sensory_questionnaire',
                 'prior_therapy_records', 'school_iep', 'release_of_information'] %}
with

referrals as (

    select * from {{ ref('stg_ehr__referrals') }}

),

documents as (

    select * from {{ ref('stg_ehr__intake_documents') }}

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

locations as (

    select * from {{ ref('stg_ehr__locations') }}

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

enrollments as (

    select * from {{ ref('stg_credentialing__payer_enrollments') }}

),

business_days as (

    select * from {{ ref('int_front_office__business_days') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

-- Each referral's deadline, counted from its arrival in the receiving location's local time (the child's
-- home clinic when the referral names no location yet).
deadlines as (

    select
        received.referral_id,
        {{ local_as_of_utc('received.time_zone') }} as as_of_ts,
        {{ front_office_business_deadline('received.local_received_at', 'received.time_zone') }}
            as first_response_due_at
    from (
        select
            referrals.referral_id,
            locations.time_zone,
            {{ local_timestamp('referrals.received_at', 'locations.time_zone') }} as local_received_at
        from referrals
        inner join patients
            on referrals.patient_id = patients.patient_id
        inner join locations
            on coalesce(referrals.location_id, patients.location_id) = locations.location_id
    ) as received
    inner join business_days as starts
        on cast(received.local_received_at as date) = starts.calendar_date
    inner join business_days as ends
        on
            ends.is_business_day
            and ends.business_day_number
            = starts.next_business_day_number + {{ env_int_setting('RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS') }}

),

primary_payers as (

    select
        patient_id,
        payer_id,
        row_number() over (partition by patient_id order by effective_date desc, coverage_id desc) as coverage_rank
    from coverages
    where priority = 1

),

packet as (

    select
        referral_id,
        {%- for item in items %}
        max(case when document_type = '{{ item }}' then status end) as {{ item }}_status,
        {%- endfor %}
        sum(case when status <> 'not_applicable' then 1 else 0 end) as items_applicable_count,
        sum(case when status = 'received' then 1 else 0 end) as items_received_count,
        sum(case when status in ('requested', 'missing') then 1 else 0 end) as items_missing_count,
        {{ dbt.listagg(
            "case when status in ('requested', 'missing') then document_type end", "'|'", 'order by document_type'
        ) }}
            as missing_items,
        max(received_date) as last_item_received_date
    from documents
    group by referral_id

),

-- Locations that can take the child: offer the service line, and have a therapist there who is enrolled
-- with the child's payer at that location on the as-of date.
eligible_locations as (

    select distinct
        referrals.referral_id,
        locations.location_id
    from referrals
    cross join as_of
    inner join primary_payers
        on referrals.patient_id = primary_payers.patient_id and primary_payers.coverage_rank = 1
    inner join locations
        on {{ pipe_list_contains('locations.service_lines', "'ot_peds'") }}
    inner join providers
        on
            locations.location_id = providers.primary_location_id
            and as_of.as_of_date >= providers.hire_date
            and (providers.termination_date is null or as_of.as_of_date < providers.termination_date)
    inner join enrollments
        on
            providers.provider_id = enrollments.provider_id
            and locations.location_id = enrollments.location_id
            and primary_payers.payer_id = enrollments.payer_id
            and enrollments.status = 'enrolled'
            and as_of.as_of_date >= enrollments.effective_date
            and (enrollments.termination_date is null or as_of.as_of_date <= enrollments.termination_date)

),

routing as (

    select
        referrals.referral_id,
        coalesce(referrals.location_id, patients.location_id) as preferred_location_id,
        count(eligible_locations.location_id) as eligible_location_count,
        max(
            case
                when
                    eligible_locations.location_id = coalesce(referrals.location_id, patients.location_id)
                    then 1
                else 0
            end
        )
            as is_preferred_eligible,
        min(eligible_locations.location_id) as first_eligible_location_id
    from referrals
    left join patients
        on referrals.patient_id = patients.patient_id
    left join eligible_locations
        on referrals.referral_id = eligible_locations.referral_id
    group by referrals.referral_id, coalesce(referrals.location_id, patients.location_id)

),

evaluations as (

    select
        referrals.referral_id,
        appointments.appointment_id,
        appointments.booked_at,
        appointments.scheduled_start_at,
        appointments.status,
        row_number() over (
            partition by referrals.referral_id
            order by appointments.scheduled_start_at, appointments.appointment_id
        ) as evaluation_rank
    from referrals
    inner join appointments
        on
            referrals.patient_id = appointments.patient_id
            and appointments.appointment_type = 'evaluation'
            and appointments.status in ('scheduled', 'arrived')
            and referrals.received_at <= appointments.scheduled_start_at

),

joined as (

    select
        referrals.*,
        as_of.as_of_date,
        deadlines.as_of_ts,
        deadlines.first_response_due_at,
        referrals.status in ('new', 'contacted', 'packet_pending', 'evaluation_scheduled') as is_open,
        primary_payers.payer_id,
        routing.preferred_location_id,
        routing.eligible_location_count,
        routing.is_preferred_eligible = 1 as is_preferred_location_eligible,
        case
            when routing.is_preferred_eligible = 1 then routing.preferred_location_id
            else coalesce(routing.first_eligible_location_id, routing.preferred_location_id)
        end as routed_location_id,
        packet.items_applicable_count,
        packet.items_received_count,
        packet.items_missing_count,
        packet.missing_items,
        {%- for item in items %}
        packet.{{ item }}_status,
        {%- endfor %}
        case
            when
                packet.items_applicable_count > 0 and packet.items_missing_count = 0
                then packet.last_item_received_date
        end
            as packet_completed_date,
        evaluations.appointment_id as evaluation_appointment_id,
        evaluations.booked_at as evaluation_booked_at,
        evaluations.scheduled_start_at as evaluation_scheduled_at
    from referrals
    cross join as_of
    left join deadlines
        on referrals.referral_id = deadlines.referral_id
    left join primary_payers
        on referrals.patient_id = primary_payers.patient_id and primary_payers.coverage_rank = 1
    left join routing
        on referrals.referral_id = routing.referral_id
    left join packet
        on referrals.referral_id = packet.referral_id
    left join evaluations
        on referrals.referral_id = evaluations.referral_id and evaluations.evaluation_rank = 1

),

final as (

    select
        referral_id,
        patient_id,
        channel,
        status,
        is_open,
        referring_provider_npi,
        referring_provider_name,
        received_at,
        first_response_at,
        first_response_due_at,
        case
            when first_response_at is not null then {{ dbt.datediff('received_at', 'first_response_at', 'hour') }} end  -- noqa: LT05
            as hours_to_first_response,
        case
            when first_response_at is not null then first_response_at <= first_response_due_at
            when first_response_due_at < as_of_ts then false
        end as is_first_response_on_time,
        is_open and first_response_at is null and first_response_due_at < as_of_ts as is_first_response_overdue,
        payer_id,
        preferred_location_id,
        routed_location_id,
        coalesce(routed_location_id, preferred_location_id) as location_id,
        is_preferred_location_eligible,
        coalesce(eligible_location_count, 0) as eligible_location_count,
        coalesce(items_applicable_count, 0) as items_applicable_count,
        coalesce(items_received_count, 0) as items_received_count,
        coalesce(items_missing_count, 0) as items_missing_count,
        missing_items,
        {%- for item in items %}
        {{ item }}_status,
        {%- endfor %}
        packet_completed_date,
        evaluation_appointment_id is not null as is_evaluation_scheduled,
        evaluation_appointment_id,
        evaluation_booked_at,
        evaluation_scheduled_at,
        case
            when packet_completed_date is not null
                then {{ dbt.datediff('cast(received_at as date)', 'packet_completed_date', 'day') }}  -- noqa: LT05
        end as days_received_to_packet_complete,
        case
            when evaluation_booked_at is not null
                then {{ dbt.datediff('received_at', 'evaluation_booked_at', 'day') }}  -- noqa: LT05
        end as days_received_to_evaluation_booked,
        case
            when evaluation_scheduled_at is not null
                then {{ dbt.datediff('received_at', 'evaluation_scheduled_at', 'day') }}  -- noqa: LT05
        end as days_received_to_evaluation,
        as_of_date
    from joined

)

select * from final
