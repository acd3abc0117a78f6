-- Invariant: every active authorization's remaining quantity is exactly approved minus used.
with

burndown as (

    select * from {{ ref('fct_authorization_burndown') }}

),

final as (

    select * from burndown
    where remaining_quantity <> approved_quantity - used_quantity

)

select * from final
