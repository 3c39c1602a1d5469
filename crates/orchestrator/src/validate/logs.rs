//! What a log read can ask for.

use crate::error::{Error, Result};
use crate::model::LogQuery;

/// What a log read can ask for.
pub fn log_query(query: &LogQuery) -> Result<()> {
    if !query.stdout && !query.stderr {
        return Err(Error::invalid(
            "stdout",
            "choose standard output, standard error or both",
        ));
    }
    if let (Some(since), Some(until)) = (query.since, query.until) {
        if until < since {
            return Err(Error::invalid(
                "until",
                format!("must not be before since ({until} < {since})"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_queries_need_a_stream_and_an_order() {
        let none = LogQuery {
            stdout: false,
            stderr: false,
            ..LogQuery::default()
        };
        assert!(matches!(log_query(&none), Err(Error::Invalid { field, .. }) if field == "stdout"));
        let backwards = LogQuery {
            since: Some(200),
            until: Some(100),
            ..LogQuery::default()
        };
        assert!(
            matches!(log_query(&backwards), Err(Error::Invalid { field, .. }) if field == "until")
        );
        assert!(log_query(&LogQuery::default()).is_ok());
    }
}
