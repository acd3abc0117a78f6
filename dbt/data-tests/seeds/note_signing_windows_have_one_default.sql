-- The note audit needs exactly one default signing window (the row with no payer_id): fails otherwise.
select count(*) as default_rows
from {{ ref('front_office_note_signing_windows') }}
where payer_id is null
having count(*) <> 1
