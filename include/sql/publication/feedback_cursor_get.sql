select cursor
from publication.feedback_cursor
where node_id = :node_id
