//! The web3 provider: a chain JSON-RPC connection (and optionally a wallet),
//! checked through the guarded outbound client.
//!
//! - **validate**: refuses an `rpcUrl` whose literal host the SSRF guard
//!   forbids.
//! - **test**: `eth_chainId` must equal the configured `chainId`; with a
//!   `walletAddress`, `eth_getBalance` reports the balance in wei and in
//!   whole-token units (exact integer arithmetic, any size of quantity).
//! - **send**: refused without any request: web3 is a connection, not a
//!   message channel.
//!
//! The RPC URL usually embeds an API key, so it never appears in a message
//! or a log line; nor does the endpoint's body (JSON-RPC errors are reported
//! by their numeric code).

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

use async_trait::async_trait;
use patchbay_domain::validation::ValidationErrors;
use patchbay_domain::{
    Config, IntegrationType, Message, PermanentKind, Provider, ProviderContext, SendOutcome,
    TestOutcome,
};
use patchbay_provider_kit::{
    OutboundClient, OutboundError, OutboundRequest, Remote, Url, config_json, config_text,
    config_url, describe_timeout, refuse, status_text,
};
use serde_json::{Value, json};

/// The largest quantity accepted: a 256-bit word.
const MAX_QUANTITY_HEX_DIGITS: usize = 64;
/// Decimals of the native token of EVM chains (1 ETH = 10^18 wei).
const NATIVE_DECIMALS: usize = 18;
/// Decimals shown in a balance.
const SHOWN_DECIMALS: usize = 6;

const REMOTE: Remote<'static> = Remote {
    name: "the RPC endpoint",
    url: "RPC URL",
    url_advice: "configure the final URL",
};

/// The web3 provider.
#[derive(Debug, Clone)]
pub struct Web3Provider {
    client: OutboundClient,
}

impl Web3Provider {
    /// The RPC URL is the integration's config; nothing else is needed.
    pub fn new(client: OutboundClient) -> Self {
        Self { client }
    }
}

/// The configured chain id: an integer (as the catalogue stores it), or
/// tolerantly a decimal or `0x` string. Returned as a decimal string.
fn configured_chain_id(config: &Config) -> Option<String> {
    match config_json(config, "chainId")? {
        Value::Number(n) => n.as_u64().filter(|&n| n > 0).map(|n| n.to_string()),
        Value::String(s) => {
            let s = s.trim();
            if s.starts_with("0x") || s.starts_with("0X") {
                quantity_to_decimal(s)
            } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                let t = s.trim_start_matches('0');
                Some(if t.is_empty() { "0".into() } else { t.into() })
            } else {
                None
            }
            .filter(|d| d != "0")
        }
        _ => None,
    }
}

/// A JSON-RPC quantity (`0x`-prefixed hex, e.g. `0x1`, `0x0de0b6b3a7640000`)
/// as a decimal string, exactly, for values of up to 256 bits. Leading
/// zeros are tolerated; `None` for anything else.
pub fn quantity_to_decimal(hex: &str) -> Option<String> {
    let digits = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > MAX_QUANTITY_HEX_DIGITS {
        return None;
    }
    // Little-endian limbs of base 10^9.
    const BASE: u64 = 1_000_000_000;
    let mut limbs: Vec<u64> = vec![0];
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(16)?);
        for limb in &mut limbs {
            let v = *limb * 16 + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
    }
    let mut out = String::new();
    let mut iter = limbs.iter().rev();
    if let Some(top) = iter.next() {
        out.push_str(&top.to_string());
    }
    for limb in iter {
        out.push_str(&format!("{limb:09}"));
    }
    Some(out)
}

/// A balance in wei (decimal digits) in whole-token units with at most six
/// decimals, truncated (never rounded up): `"1000000000000000000"` is `"1"`,
/// `"1234567890123456789"` is `"1.234567"`. A non-zero balance below the
/// smallest shown unit is `"less than 0.000001"`.
pub fn format_native_units(wei: &str) -> String {
    let wei = wei.trim_start_matches('0');
    if wei.is_empty() {
        return "0".into();
    }
    let padded = format!("{wei:0>width$}", width = NATIVE_DECIMALS + 1);
    let (whole, frac) = padded.split_at(padded.len() - NATIVE_DECIMALS);
    let shown = frac[..SHOWN_DECIMALS].trim_end_matches('0');
    if whole == "0" && shown.is_empty() {
        return format!("less than 0.{}1", "0".repeat(SHOWN_DECIMALS - 1));
    }
    if shown.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{shown}")
    }
}

/// Names and native-token symbols of well-known chains, for messages.
fn chain_info(id: &str) -> Option<(&'static str, &'static str)> {
    Some(match id {
        "1" => ("Ethereum mainnet", "ETH"),
        "10" => ("OP Mainnet", "ETH"),
        "56" => ("BNB Smart Chain", "BNB"),
        "100" => ("Gnosis", "xDAI"),
        "137" => ("Polygon PoS", "POL"),
        "8453" => ("Base", "ETH"),
        "17000" => ("Holesky", "ETH"),
        "42161" => ("Arbitrum One", "ETH"),
        "43114" => ("Avalanche C-Chain", "AVAX"),
        "59144" => ("Linea", "ETH"),
        "84532" => ("Base Sepolia", "ETH"),
        "560048" => ("Hoodi", "ETH"),
        "11155111" => ("Sepolia", "ETH"),
        _ => return None,
    })
}

fn describe_chain(id: &str) -> String {
    match chain_info(id) {
        Some((name, _)) => format!("{id} ({name})"),
        None => id.to_string(),
    }
}

/// The standard meaning of a JSON-RPC error code.
pub fn rpc_error_meaning(code: i64) -> &'static str {
    match code {
        -32700 => "parse error",
        -32600 => "invalid request",
        -32601 => "method not found",
        -32602 => "invalid params",
        -32603 => "internal error",
        -32099..=-32000 => "server error",
        _ => "error",
    }
}

/// A JSON-RPC `error` object described by its code, never its message.
fn describe_rpc_error(error: &Value) -> (String, String) {
    match error.get("code").and_then(Value::as_i64) {
        Some(code) => (
            format!("JSON-RPC error {code} ({})", rpc_error_meaning(code)),
            code.to_string(),
        ),
        None => ("a JSON-RPC error without a code".into(), "rpc_error".into()),
    }
}

impl Web3Provider {
    /// The test outcome of a call that got no usable answer: the kit's
    /// wording, naming the JSON-RPC method where it helps.
    fn failure(&self, method: &str, e: &OutboundError) -> TestOutcome {
        let timeout = self.client.config().total_timeout;
        let message = match e {
            OutboundError::Timeout => format!(
                "the RPC endpoint did not answer {method} within {}",
                describe_timeout(timeout)
            ),
            OutboundError::TooLarge { limit, .. } => format!(
                "the RPC endpoint's answer to {method} is larger than {limit} bytes; it is \
                 not a JSON-RPC answer"
            ),
            OutboundError::InvalidRequest { .. }
            | OutboundError::Decode
            | OutboundError::Setup { .. } => format!("the {method} request failed: {e}"),
            _ => REMOTE.failure_message(e, timeout),
        };
        e.test_outcome(message)
    }

    /// One JSON-RPC call: its `result`, or a test failure saying why not.
    async fn call(
        &self,
        url: &Url,
        method: &'static str,
        params: Value,
        id: u64,
        label: &'static str,
    ) -> Result<Value, TestOutcome> {
        let req = OutboundRequest::post(url.clone())
            .log_target(label)
            .header("accept", "application/json")
            .json(&json!({"jsonrpc": "2.0", "method": method, "params": params, "id": id}));
        let resp = self
            .client
            .send(req)
            .await
            .map_err(|e| self.failure(method, &e))?;
        let body: Option<Value> = serde_json::from_slice(&resp.body).ok();
        let rpc_error = body
            .as_ref()
            .and_then(|b| b.get("error"))
            .filter(|e| !e.is_null());
        let st = status_text(resp.status);
        if !resp.is_success() {
            let rpc = rpc_error
                .map(|e| format!("; {}", describe_rpc_error(e).0))
                .unwrap_or_default();
            let (message, code) = match resp.status {
                401 | 403 => (
                    format!(
                        "the RPC endpoint refused the request ({st}{rpc}): the API key in the \
                         RPC URL is probably wrong, expired or not allowed"
                    ),
                    "unauthorized",
                ),
                404 => (
                    format!("there is no JSON-RPC endpoint at the RPC URL ({st}{rpc})"),
                    "not_found",
                ),
                429 => (
                    format!("the RPC endpoint is rate limiting requests ({st}{rpc})"),
                    "rate_limited",
                ),
                500..=599 => (
                    format!("the RPC endpoint failed with a server error ({st}{rpc})"),
                    "server_error",
                ),
                _ => (
                    format!("the RPC endpoint refused {method} ({st}{rpc})"),
                    "rejected",
                ),
            };
            return Err(TestOutcome::error(message).with_code(code));
        }
        let Some(body) = body.as_ref().filter(|b| b.is_object()) else {
            return Err(TestOutcome::error(format!(
                "the RPC endpoint's answer to {method} is not JSON-RPC; check the RPC URL"
            ))
            .with_code("invalid_response"));
        };
        if let Some(error) = rpc_error {
            let (described, code) = describe_rpc_error(error);
            return Err(TestOutcome::error(format!(
                "the RPC endpoint answered {method} with {described}"
            ))
            .with_code(code));
        }
        match body.get("result") {
            Some(result) if !result.is_null() => Ok(result.clone()),
            _ => Err(TestOutcome::error(format!(
                "the RPC endpoint's answer to {method} has no result"
            ))
            .with_code("invalid_response")),
        }
    }
}

#[async_trait]
impl Provider for Web3Provider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Web3
    }

    fn validate(&self, config: &Config) -> Result<(), ValidationErrors> {
        self.client
            .validate_url("config.rpcUrl", config_url(config, "rpcUrl").as_ref())
    }

    async fn test(&self, _ctx: &ProviderContext, config: &Config) -> TestOutcome {
        let Some(url) = config_url(config, "rpcUrl") else {
            return TestOutcome::error("no valid RPC URL is configured")
                .with_code("invalid_config");
        };
        let Some(expected) = configured_chain_id(config) else {
            return TestOutcome::error("no valid chain id is configured")
                .with_code("invalid_config");
        };
        let result = match self
            .call(&url, "eth_chainId", json!([]), 1, "web3.eth_chainId")
            .await
        {
            Ok(r) => r,
            Err(outcome) => return outcome,
        };
        let Some(actual) = result.as_str().and_then(quantity_to_decimal) else {
            return TestOutcome::error(
                "the RPC endpoint answered eth_chainId with a value that is not a chain id",
            )
            .with_code("invalid_response");
        };
        if actual != expected {
            return TestOutcome::error(format!(
                "the RPC endpoint serves chain {} but this integration expects chain {}",
                describe_chain(&actual),
                describe_chain(&expected)
            ))
            .with_code("chain_mismatch");
        }
        let chain = describe_chain(&actual);
        let Some(wallet) = config_text(config, "walletAddress") else {
            return TestOutcome::success(format!(
                "the RPC endpoint is reachable and serves chain {chain}"
            ));
        };
        let result = match self
            .call(
                &url,
                "eth_getBalance",
                json!([wallet, "latest"]),
                2,
                "web3.eth_getBalance",
            )
            .await
        {
            Ok(r) => r,
            Err(outcome) => {
                return TestOutcome {
                    message: format!(
                        "the RPC endpoint serves chain {chain}, but the wallet balance could \
                         not be read: {}",
                        outcome.message
                    ),
                    ..outcome
                };
            }
        };
        let Some(wei) = result.as_str().and_then(quantity_to_decimal) else {
            return TestOutcome::error(format!(
                "the RPC endpoint serves chain {chain}, but answered eth_getBalance with a \
                 value that is not a balance"
            ))
            .with_code("invalid_response");
        };
        let symbol = chain_info(&actual).map_or("ETH", |(_, s)| s);
        TestOutcome::success(format!(
            "the RPC endpoint is reachable and serves chain {chain}; wallet {wallet} holds \
             {wei} wei ({} {symbol})",
            format_native_units(&wei)
        ))
    }

    async fn send(
        &self,
        _ctx: &ProviderContext,
        _config: &Config,
        _message: &Message,
    ) -> SendOutcome {
        refuse(
            PermanentKind::Unsupported,
            "unsupported",
            "web3 integrations are chain connections, not message channels: they cannot send \
             notifications",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(quantity_to_decimal("0x0").as_deref(), Some("0"));
        assert_eq!(quantity_to_decimal("0x1").as_deref(), Some("1"));
        assert_eq!(quantity_to_decimal("0xaa36a7").as_deref(), Some("11155111"));
        assert_eq!(
            quantity_to_decimal("0x0de0b6b3a7640000").as_deref(),
            Some("1000000000000000000")
        );
        assert_eq!(
            quantity_to_decimal("0xffffffffffffffffffffffffffffffff").as_deref(),
            Some(u128::MAX.to_string().as_str())
        );
        // 2^256 - 1, beyond u128.
        assert_eq!(
            quantity_to_decimal(&format!("0x{}", "f".repeat(64))).as_deref(),
            Some("115792089237316195423570985008687907853269984665640564039457584007913129639935")
        );
        assert_eq!(
            quantity_to_decimal(
                "0x0000000000000000000000000000000000000000000000000000000000000000000000000001"
            )
            .as_deref(),
            Some("1")
        );
        for bad in [
            "",
            "0x",
            "1",
            "0xg",
            "0x 1",
            "-0x1",
            &format!("0x1{}", "0".repeat(64)),
        ] {
            assert_eq!(quantity_to_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn balances_in_whole_units() {
        let cases = [
            ("0", "0"),
            ("1000000000000000000", "1"),
            ("1234567890123456789", "1.234567"),
            ("1999999999999999999", "1.999999"),
            ("500000000000000000", "0.5"),
            ("1000000000000", "0.000001"),
            ("999999999999", "less than 0.000001"),
            ("1", "less than 0.000001"),
            ("120000000000000000000000000", "120000000"),
            (
                "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                "115792089237316195423570985008687907853269984665640564039457.584007",
            ),
        ];
        for (wei, units) in cases {
            assert_eq!(format_native_units(wei), units, "{wei}");
        }
    }

    #[test]
    fn chain_ids_from_config() {
        let mut c = Config::new();
        c.insert_plain("chainId", json!(11155111));
        assert_eq!(configured_chain_id(&c).as_deref(), Some("11155111"));
        c.insert_plain("chainId", json!("0x1"));
        assert_eq!(configured_chain_id(&c).as_deref(), Some("1"));
        c.insert_plain("chainId", json!("0137"));
        assert_eq!(configured_chain_id(&c).as_deref(), Some("137"));
        for bad in [
            json!(0),
            json!(-1),
            json!("x"),
            json!(1.5),
            json!(null),
            json!("0"),
        ] {
            c.insert_plain("chainId", bad.clone());
            assert_eq!(configured_chain_id(&c), None, "{bad}");
        }
    }

    #[test]
    fn rpc_error_meanings() {
        assert_eq!(rpc_error_meaning(-32601), "method not found");
        assert_eq!(rpc_error_meaning(-32005), "server error");
        assert_eq!(rpc_error_meaning(3), "error");
        let (d, code) = describe_rpc_error(&json!({"code": -32602, "message": "SECRET"}));
        assert_eq!(d, "JSON-RPC error -32602 (invalid params)");
        assert_eq!(code, "-32602");
        assert!(!d.contains("SECRET"));
    }
}
