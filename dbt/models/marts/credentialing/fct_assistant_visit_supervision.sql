-- One row per appointment of a COTA in the supervision window (kept in the look-back, scheduled in the
-- look-ahead): whether a supervising OTR is on record on that date (an OTR, not terminated by then), and
-- for kept visits whether a billed line lacks the CO modifier an assistant-furnished service needs.
with

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

identity as (

    select * from {{ ref('fct_provider_identity') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

rules as (

    select * from {{ ref('credentialing_rules') }}
    where rule_set = 'default'

),

in_window as (

    select appointments.*
    from appointments
    cross join rules
    where
        (
            appointments.status = 'arrived'
            and appointments.appointment_date
            >= {{ date_add_days('-1 * rules.supervision_lookback_days', as_of_date()) }}
            and appointments.appointment_date < {{ as_of_date() }}
        )
        or (
            appointments.status = 'scheduled'
            and appointments.appointment_date >= {{ as_of_date() }}
            and appointments.appointment_date < {{ date_add_days('rules.lookahead_days', as_of_date()) }}
        )

),

co_lines as (

    select
        visits.appointment_id,
        sum(case when {{ pipe_list_contains("coalesce(charge_lines.modifiers, '')", "'CO'") }} then 0 else 1 end)
            as lines_without_co
    from visits
    inner join charge_lines
        on visits.visit_id = charge_lines.visit_id
    group by visits.appointment_id

),

final as (

    select
        in_window.appointment_id,
        in_window.provider_id,
        identity.provider_name,
        in_window.location_id,
        in_window.patient_id,
        in_window.appointment_date,
        in_window.status,
        identity.supervising_provider_id,
        identity.supervising_provider_id is not null
        and identity.supervisor_discipline = 'OTR'
        and (
            identity.supervisor_termination_date is null
            or identity.supervisor_termination_date > in_window.appointment_date
        )
            as has_supervising_otr,
        case when in_window.status = 'arrived' then coalesce(co_lines.lines_without_co, 0) > 0 end
            as is_co_modifier_missing,
        {{ as_of_date() }} as as_of_date
    from in_window
    inner join identity
        on in_window.provider_id = identity.provider_id
    left join co_lines
        on in_window.appointment_id = co_lines.appointment_id
    where identity.provider_discipline = 'COTA'

)

select * from final
