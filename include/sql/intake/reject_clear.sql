-- Parse rejects of one delivery go before it is parsed again; the gate's own rejects are its to clear.
delete from intake.reject
where delivery_id = :delivery_id
  and (rule like 'parse:%' or rule = 'formula')
