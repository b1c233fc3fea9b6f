insert into publication.response (batch_id, request, http_status, body, retry_after, error)
values (cast(:batch_id as uuid), :request, :http_status, cast(:body as jsonb), :retry_after, :error)
