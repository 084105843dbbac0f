//! The SQL that queues a webhook event, as a macro so that any transaction can include it: an
//! event then commits, or not, with the change it reports (the outbox pattern).

/// Inside transaction `$tx`: one pending delivery per enabled endpoint of the partner and mode
/// subscribed to `$event`; evaluates to the delivery ids.
macro_rules! queue_webhook {
    ($tx:expr, $event:expr) => {{
        let event: &crate::storage::WebhookEvent = $event;
        let endpoints: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, event_types FROM webhook_endpoints WHERE partner_id = $1 AND mode = $2 AND disabled_at IS NULL",
        )
        .bind(&event.partner_id)
        .bind(&event.mode)
        .fetch_all(&mut *$tx)
        .await?;
        let mut ids = Vec::new();
        for (endpoint_id, types) in endpoints {
            if !types.split_whitespace().any(|t| t == event.event_type) {
                continue;
            }
            let id = format!("msg_{:032x}", rand::random::<u128>());
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, state, attempts, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
            )
            .bind(&id)
            .bind(&endpoint_id)
            .bind(&event.event_type)
            .bind(&event.payload)
            .bind(event.at)
            .execute(&mut *$tx)
            .await?;
            ids.push(id);
        }
        ids
    }};
}
