//! CONNECT credentials: plain user name and password, and the signed credentials of Alibaba
//! Cloud's brokers (see `README-transports.md` for the documents each algorithm comes from).
//!
//! - **ApsaraMQ for MQTT, signature mode**: user name `Signature|{AccessKeyId}|{InstanceId}`,
//!   password the Base64 of HMAC-SHA1 over the client id, keyed by the AccessKey secret.
//! - **ApsaraMQ for MQTT, token mode**: user name `Token|{AccessKeyId}|{InstanceId}`, password
//!   the tokens the application server obtained, as `{type}|{token}` pairs joined by `|`
//!   (types `R`, `W`, `RW`), e.g. `R|123|W|abcd`.
//! - **Alibaba Cloud IoT Platform, device secret**: client id
//!   `{clientId}|securemode={2 TLS, 3 TCP},signmethod=hmacsha1,timestamp={ms}|`, user name
//!   `{deviceName}&{productKey}`, password the hex HMAC-SHA1, keyed by the DeviceSecret, of the
//!   parameters sorted by name and concatenated as name then value:
//!   `clientId{clientId}deviceName{deviceName}productKey{productKey}timestamp{ms}`.
//!
//! Signed modes sign the client id actually sent, so the runner asks for credentials per CONNECT
//! ([`crate::execution::RunContext::login`]). Secrets are held in [`Secret`], whose `Debug` shows nothing, and
//! every secret and every password computed is added to the trace redaction list.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A secret string: never printed (`Debug` shows `(secret)`, there is no `Display`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for signing and for redaction lists.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

/// What one CONNECT carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The client identifier to send (the IoT Platform mode rewrites it).
    pub client_id: String,
    /// User Name.
    pub username: Option<String>,
    /// Password bytes.
    pub password: Option<Vec<u8>>,
}

/// How the test clients authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A fixed user name and password (or none).
    Plain {
        /// User Name.
        username: Option<String>,
        /// Password.
        password: Option<Secret>,
    },
    /// ApsaraMQ for MQTT signature mode.
    ApsaraMqSignature {
        /// AccessKey ID (`MQTT_AK_ENV` in the vendor's samples).
        access_key_id: String,
        /// Instance ID.
        instance_id: String,
        /// AccessKey secret (`MQTT_SK_ENV`).
        access_key_secret: Secret,
    },
    /// ApsaraMQ for MQTT token mode.
    ApsaraMqToken {
        /// AccessKey ID.
        access_key_id: String,
        /// Instance ID.
        instance_id: String,
        /// The tokens, already in the password form `R|...|W|...`.
        tokens: Secret,
    },
    /// Alibaba Cloud IoT Platform, unique-certificate-per-device (DeviceSecret) signing.
    AliyunIot {
        /// ProductKey.
        product_key: String,
        /// DeviceName.
        device_name: String,
        /// DeviceSecret.
        device_secret: Secret,
        /// `securemode`: 2 over TLS, 3 over TCP.
        secure_mode: u8,
    },
}

/// HMAC-SHA1 of `message` keyed by `key`.
pub fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Upper-case hexadecimal, as the IoT Platform documentation shows its example signature.
fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// ApsaraMQ user name: `{mode}|{AccessKeyId}|{InstanceId}` (mode `Signature` or `Token`).
pub fn apsaramq_username(mode: &str, access_key_id: &str, instance_id: &str) -> String {
    format!("{mode}|{access_key_id}|{instance_id}")
}

/// ApsaraMQ signature-mode password: Base64(HMAC-SHA1(AccessKey secret, client id)).
pub fn apsaramq_signature(access_key_secret: &str, client_id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac_sha1(
        access_key_secret.as_bytes(),
        client_id.as_bytes(),
    ))
}

/// Checks a token-mode password: one or more `{type}|{token}` pairs joined by `|`, type `R`,
/// `W` or `RW`, each type at most once. The error never repeats a token.
///
/// # Errors
/// What is wrong with the form.
pub fn check_token_password(password: &str) -> Result<(), String> {
    let parts: Vec<&str> = password.split('|').collect();
    if password.is_empty() || !parts.len().is_multiple_of(2) {
        return Err("the token-mode password is TYPE|TOKEN pairs joined by | (e.g. R|token1|W|token2), types R, W or RW".into());
    }
    let mut seen = Vec::new();
    for pair in parts.chunks(2) {
        let (kind, token) = (pair[0], pair[1]);
        if !matches!(kind, "R" | "W" | "RW") {
            return Err(format!(
                "token type {kind:?} is not R, W or RW (the password is TYPE|TOKEN pairs)"
            ));
        }
        if token.is_empty() {
            return Err(format!("the {kind} token is empty"));
        }
        if seen.contains(&kind) {
            return Err(format!(
                "token type {kind} appears twice (one token per type)"
            ));
        }
        seen.push(kind);
    }
    Ok(())
}

/// The IoT Platform device login for `client_id` at `timestamp_ms` (None: no timestamp
/// parameter, which the documentation allows).
pub fn aliyun_iot_login(
    product_key: &str,
    device_name: &str,
    device_secret: &str,
    client_id: &str,
    timestamp_ms: Option<u64>,
    secure_mode: u8,
) -> Login {
    // Parameters sorted by name (clientId, deviceName, productKey, timestamp), name then value.
    let mut content = String::new();
    if !client_id.is_empty() {
        content.push_str(&format!("clientId{client_id}"));
    }
    content.push_str(&format!("deviceName{device_name}productKey{product_key}"));
    let mut params = format!("securemode={secure_mode},signmethod=hmacsha1");
    if let Some(ts) = timestamp_ms {
        content.push_str(&format!("timestamp{ts}"));
        params.push_str(&format!(",timestamp={ts}"));
    }
    Login {
        client_id: format!("{client_id}|{params}|"),
        username: Some(format!("{device_name}&{product_key}")),
        password: Some(
            hex_upper(&hmac_sha1(device_secret.as_bytes(), content.as_bytes())).into_bytes(),
        ),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Credentials {
    /// The mode's name as `--auth` spells it.
    pub fn mode(&self) -> &'static str {
        match self {
            Credentials::Plain { .. } => "plain",
            Credentials::ApsaraMqSignature { .. } => "apsaramq-signature",
            Credentials::ApsaraMqToken { .. } => "apsaramq-token",
            Credentials::AliyunIot { .. } => "aliyun-iot",
        }
    }

    /// What a CONNECT for `client_id` carries now.
    pub fn credentials_for(&self, client_id: &str) -> Login {
        self.credentials_at(client_id, now_ms())
    }

    /// What a CONNECT for `client_id` carries at `timestamp_ms` (only the IoT Platform mode
    /// uses the time).
    pub fn credentials_at(&self, client_id: &str, timestamp_ms: u64) -> Login {
        match self {
            Credentials::Plain { username, password } => Login {
                client_id: client_id.to_string(),
                username: username.clone(),
                password: password.as_ref().map(|p| p.expose().as_bytes().to_vec()),
            },
            Credentials::ApsaraMqSignature {
                access_key_id,
                instance_id,
                access_key_secret,
            } => Login {
                client_id: client_id.to_string(),
                username: Some(apsaramq_username("Signature", access_key_id, instance_id)),
                password: Some(
                    apsaramq_signature(access_key_secret.expose(), client_id).into_bytes(),
                ),
            },
            Credentials::ApsaraMqToken {
                access_key_id,
                instance_id,
                tokens,
            } => Login {
                client_id: client_id.to_string(),
                username: Some(apsaramq_username("Token", access_key_id, instance_id)),
                password: Some(tokens.expose().as_bytes().to_vec()),
            },
            Credentials::AliyunIot {
                product_key,
                device_name,
                device_secret,
                secure_mode,
            } => {
                if client_id.is_empty() {
                    // A check about empty client identifiers: send it empty, still signed.
                    let mut login = aliyun_iot_login(
                        product_key,
                        device_name,
                        device_secret.expose(),
                        "",
                        None,
                        *secure_mode,
                    );
                    login.client_id = String::new();
                    return login;
                }
                aliyun_iot_login(
                    product_key,
                    device_name,
                    device_secret.expose(),
                    client_id,
                    Some(timestamp_ms),
                    *secure_mode,
                )
            }
        }
    }

    /// The secrets to redact from traces and reports.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            Credentials::Plain { password, .. } => out.extend(password.iter().map(|p| p.0.clone())),
            Credentials::ApsaraMqSignature {
                access_key_secret, ..
            } => out.push(access_key_secret.0.clone()),
            Credentials::ApsaraMqToken { tokens, .. } => {
                out.push(tokens.0.clone());
                // Each token alone, too (not the R/W/RW type words).
                out.extend(tokens.0.split('|').skip(1).step_by(2).map(str::to_string));
            }
            Credentials::AliyunIot { device_secret, .. } => out.push(device_secret.0.clone()),
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

/// The `--auth` modes.
pub const MODES: &[&str] = &[
    "plain",
    "apsaramq-signature",
    "apsaramq-token",
    "aliyun-iot",
];

/// Environment variable holding the ApsaraMQ AccessKey ID (as in the vendor's samples).
pub const ENV_ACCESS_KEY_ID: &str = "MQTT_AK_ENV";
/// Environment variable holding the ApsaraMQ AccessKey secret (as in the vendor's samples).
pub const ENV_ACCESS_KEY_SECRET: &str = "MQTT_SK_ENV";
/// Environment variable holding the IoT Platform DeviceSecret.
pub const ENV_DEVICE_SECRET: &str = "MQTT_DEVICE_SECRET";

/// What the command line says about authentication (secrets come from the environment).
#[derive(Debug, Clone, Default)]
pub struct AuthOptions {
    /// `--username`.
    pub username: Option<String>,
    /// `--password` / `MQTT_PASSWORD` (the tokens in token mode).
    pub password: Option<Secret>,
    /// `--instance-id`.
    pub instance_id: Option<String>,
    /// `--access-key-id` / `MQTT_AK_ENV`.
    pub access_key_id: Option<String>,
    /// `--product-key`.
    pub product_key: Option<String>,
    /// `--device-name`.
    pub device_name: Option<String>,
    /// Whether the transport is TLS (the IoT Platform's `securemode` 2, else 3).
    pub tls: bool,
}

/// The credentials for `--auth mode`, reading secrets through `env` (the process environment in
/// the binary): `None` for plain mode, where CONNECT uses `--username` and `--password` as they
/// are. Errors name what is missing, never a secret's value.
///
/// # Errors
/// An unknown mode, or a value the mode needs is missing or malformed.
pub fn from_options(
    mode: &str,
    o: &AuthOptions,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, String> {
    let need = |v: &Option<String>, what: &str| {
        v.clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("--auth {mode} needs {what}"))
    };
    let secret = |var: &str, what: &str| {
        env(var)
            .filter(|s| !s.is_empty())
            .map(Secret::new)
            .ok_or_else(|| format!("--auth {mode} needs {what} in the environment variable {var}"))
    };
    let plain_given = o.username.is_some() || (o.password.is_some() && mode != "apsaramq-token");
    if mode != "plain" && plain_given {
        return Err(format!(
            "--auth {mode} computes the user name and password; do not give --username or --password"
        ));
    }
    Ok(match mode {
        "plain" => None,
        "apsaramq-signature" => Some(Credentials::ApsaraMqSignature {
            access_key_id: need(&o.access_key_id, "--access-key-id (or MQTT_AK_ENV)")?,
            instance_id: need(&o.instance_id, "--instance-id")?,
            access_key_secret: secret(ENV_ACCESS_KEY_SECRET, "the AccessKey secret")?,
        }),
        "apsaramq-token" => {
            let tokens = o.password.clone().ok_or_else(|| {
                format!("--auth {mode} needs the tokens, as R|TOKEN[|W|TOKEN], in MQTT_PASSWORD")
            })?;
            check_token_password(tokens.expose())?;
            Some(Credentials::ApsaraMqToken {
                access_key_id: need(&o.access_key_id, "--access-key-id (or MQTT_AK_ENV)")?,
                instance_id: need(&o.instance_id, "--instance-id")?,
                tokens,
            })
        }
        "aliyun-iot" => Some(Credentials::AliyunIot {
            product_key: need(&o.product_key, "--product-key")?,
            device_name: need(&o.device_name, "--device-name")?,
            device_secret: secret(ENV_DEVICE_SECRET, "the DeviceSecret")?,
            secure_mode: if o.tls { 2 } else { 3 },
        }),
        other => {
            return Err(format!(
                "unknown --auth {other} (one of {})",
                MODES.join(", ")
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_shows_nothing() {
        let c = Credentials::ApsaraMqSignature {
            access_key_id: "AK".into(),
            instance_id: "mqtt-x".into(),
            access_key_secret: Secret::new("very-secret-value"),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(shown.contains("(secret)"));
    }

    #[test]
    fn token_passwords_are_checked_without_echoing_tokens() {
        assert!(check_token_password("R|123").is_ok());
        assert!(check_token_password("R|123|W|abcd").is_ok());
        assert!(check_token_password("RW|t").is_ok());
        for bad in ["", "123", "R|", "X|123", "R|1|R|2", "R|1|W"] {
            let e = check_token_password(bad).unwrap_err();
            assert!(!e.contains("123") || bad == "123", "{e}");
        }
    }

    #[test]
    fn token_secrets_include_each_token() {
        let c = Credentials::ApsaraMqToken {
            access_key_id: "AK".into(),
            instance_id: "i".into(),
            tokens: Secret::new("R|tok-r|W|tok-w"),
        };
        assert_eq!(c.secrets(), vec!["R|tok-r|W|tok-w", "tok-r", "tok-w"]);
    }

    #[test]
    fn options_name_what_is_missing_never_a_secret() {
        let env = |var: &str| (var == ENV_ACCESS_KEY_SECRET).then(|| "sk-value".to_string());
        let o = AuthOptions {
            access_key_id: Some("AK".into()),
            ..AuthOptions::default()
        };
        let e = from_options("apsaramq-signature", &o, env).unwrap_err();
        assert!(e.contains("--instance-id"), "{e}");
        let o = AuthOptions {
            instance_id: Some("mqtt-x".into()),
            ..o
        };
        let c = from_options("apsaramq-signature", &o, env)
            .unwrap()
            .unwrap();
        assert_eq!(c.secrets(), vec!["sk-value"]);
        let e = from_options("aliyun-iot", &AuthOptions::default(), |_| None).unwrap_err();
        assert!(e.contains("--product-key"), "{e}");
        let o = AuthOptions {
            product_key: Some("pk".into()),
            device_name: Some("d".into()),
            tls: true,
            ..AuthOptions::default()
        };
        let e = from_options("aliyun-iot", &o, |_| None).unwrap_err();
        assert!(e.contains("MQTT_DEVICE_SECRET"), "{e}");
        let c = from_options("aliyun-iot", &o, |_| Some("ds".into()))
            .unwrap()
            .unwrap();
        assert!(c.credentials_at("c", 1).client_id.contains("securemode=2"));
        let o = AuthOptions {
            password: Some(Secret::new("R|tok")),
            ..o
        };
        let e = from_options("aliyun-iot", &o, |_| Some("ds".into())).unwrap_err();
        assert!(e.contains("do not give"), "{e}");
        assert!(from_options("plain", &o, |_| None).unwrap().is_none());
        assert!(from_options("kerberos", &o, |_| None).is_err());
    }

    #[test]
    fn aliyun_iot_keeps_an_empty_client_id_empty() {
        let c = Credentials::AliyunIot {
            product_key: "pk".into(),
            device_name: "device".into(),
            device_secret: Secret::new("secret"),
            secure_mode: 3,
        };
        let login = c.credentials_at("", 789);
        assert_eq!(login.client_id, "");
        assert_eq!(login.username.as_deref(), Some("device&pk"));
        let login = c.credentials_at("12345", 789);
        assert_eq!(
            login.client_id,
            "12345|securemode=3,signmethod=hmacsha1,timestamp=789|"
        );
    }
}
