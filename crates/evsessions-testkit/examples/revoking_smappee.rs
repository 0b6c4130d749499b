//! The Smappee mock as a server that revokes each access token after `K` data calls (default
//! 2), as a server that expires or rotates tokens mid-run does: for trying the CLI against it
//! by hand. Prints the base URL and the mock's credentials as shell lines, then serves until
//! killed, printing its token counters every second.
//!
//! ```text
//! cargo run -p evsessions-testkit --example revoking_smappee -- 2
//! ```

use std::time::Duration;

use evsessions_testkit::smappee::{SmappeeMock, CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME};
use evsessions_testkit::VendorMock;

#[tokio::main]
async fn main() -> Result<(), String> {
    let k: u64 = match std::env::args().nth(1) {
        Some(k) => k.parse().map_err(|e| format!("K: {e}"))?,
        None => 2,
    };
    let mock = SmappeeMock::start().await;
    mock.revoke_each_token_after(k);
    println!("export SMAPPEE_BASE_URL={}", mock.base_url());
    println!("export SMAPPEE_CLIENT_ID={CLIENT_ID} SMAPPEE_CLIENT_SECRET={CLIENT_SECRET}");
    println!("export SMAPPEE_USERNAME={USERNAME} SMAPPEE_PASSWORD={PASSWORD}");
    let mut last = (u64::MAX, u64::MAX);
    loop {
        let now = (mock.token_requests(), mock.revocations());
        if now != last {
            let presented = mock.presented_refresh_tokens();
            let distinct: std::collections::HashSet<&String> = presented.iter().collect();
            eprintln!(
                "token calls {}, revoked tokens {}, refresh tokens presented {} ({} distinct), refused refreshes {}",
                now.0,
                now.1,
                presented.len(),
                distinct.len(),
                mock.refused_refreshes()
            );
            last = now;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
