//! Known answers for every signing mode, computed independently of this crate (Python's
//! hmac/hashlib/base64 and `openssl dgst`, commands beside each vector) or taken from the
//! vendor's documentation.

use mqtt_conformance::credentials::{
    aliyun_iot_login, apsaramq_signature, apsaramq_username, check_token_password, Credentials,
    Secret,
};

/// ApsaraMQ signature mode: Base64(HMAC-SHA1(AccessKey secret, client id)).
///
/// The first vector is the documentation's own example inputs (client id `GID_Test@@@0001`,
/// AccessKey secret `XXXXX`); the documentation shows no output, so all outputs come from:
///
/// ```text
/// python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'XXXXX',b'GID_Test@@@0001',hashlib.sha1).digest()).decode())"
/// printf '%s' 'GID_Test@@@0001' | openssl dgst -sha1 -hmac XXXXX -binary | base64
/// ```
/// (both print the same; likewise for the other rows).
#[test]
fn apsaramq_signature_known_answers() {
    let vectors = [
        ("XXXXX", "GID_Test@@@0001", "vI009IZJZVGRwBwZvnbwjfuXxVM="),
        (
            "LTAI-example-secret-0123456789",
            "GID_test@@@conformance-a1b2c3",
            "zmj6MCnmN2kPszyl7GBK7m61MBA=",
        ),
        // HMAC with an empty key and message (python3 only: openssl refuses an empty -hmac key).
        ("", "", "+9sdGxiqbAgyS31ktx+3Y3BpDh0="),
    ];
    for (secret, client_id, password) in vectors {
        assert_eq!(
            apsaramq_signature(secret, client_id),
            password,
            "{client_id}"
        );
    }
}

/// The user names the documentation spells out: `Signature|YYYYY|mqtt-xxxxx` and
/// `Token|YYYYY|mqtt-xxxxx` for AccessKey ID `YYYYY` and instance `mqtt-xxxxx`.
#[test]
fn apsaramq_usernames_as_documented() {
    assert_eq!(
        apsaramq_username("Signature", "YYYYY", "mqtt-xxxxx"),
        "Signature|YYYYY|mqtt-xxxxx"
    );
    assert_eq!(
        apsaramq_username("Token", "YYYYY", "mqtt-xxxxx"),
        "Token|YYYYY|mqtt-xxxxx"
    );
}

/// The whole signature-mode login for a client id, as CONNECT carries it.
#[test]
fn apsaramq_signature_credentials_sign_the_client_id_sent() {
    let c = Credentials::ApsaraMqSignature {
        access_key_id: "YYYYY".into(),
        instance_id: "mqtt-xxxxx".into(),
        access_key_secret: Secret::new("XXXXX"),
    };
    let login = c.credentials_for("GID_Test@@@0001");
    assert_eq!(login.client_id, "GID_Test@@@0001");
    assert_eq!(
        login.username.as_deref(),
        Some("Signature|YYYYY|mqtt-xxxxx")
    );
    assert_eq!(
        login.password.as_deref(),
        Some(&b"vI009IZJZVGRwBwZvnbwjfuXxVM="[..])
    );
}

/// Token mode: the password is the documented `R|123` / `R|123|W|abcd` form, passed through.
#[test]
fn apsaramq_token_mode_as_documented() {
    assert!(check_token_password("R|123").is_ok());
    assert!(check_token_password("R|123|W|abcd").is_ok());
    let c = Credentials::ApsaraMqToken {
        access_key_id: "YYYYY".into(),
        instance_id: "mqtt-xxxxx".into(),
        tokens: Secret::new("R|123|W|abcd"),
    };
    let login = c.credentials_for("GID_Test@@@0001");
    assert_eq!(login.username.as_deref(), Some("Token|YYYYY|mqtt-xxxxx"));
    assert_eq!(login.password.as_deref(), Some(&b"R|123|W|abcd"[..]));
}

/// IoT Platform: the documentation's worked example (clientId 12345, deviceName device,
/// productKey pk, timestamp 789, signmethod hmacsha1, deviceSecret secret) gives
/// `mqttclientId=12345|securemode=3,signmethod=hmacsha1,timestamp=789|`,
/// `mqttUsername=device&pk`, and a password the page prints masked as
/// `FAFD82A3D602B37FB0FA8B7892F24A477F85****`. The full value:
///
/// ```text
/// printf '%s' 'clientId12345deviceNamedeviceproductKeypktimestamp789' | openssl dgst -sha1 -hmac secret
/// SHA1(stdin)= fafd82a3d602b37fb0fa8b7892f24a477f851a14
/// ```
#[test]
fn aliyun_iot_documented_example() {
    let login = aliyun_iot_login("pk", "device", "secret", "12345", Some(789), 3);
    assert_eq!(
        login.client_id,
        "12345|securemode=3,signmethod=hmacsha1,timestamp=789|"
    );
    assert_eq!(login.username.as_deref(), Some("device&pk"));
    let password = String::from_utf8(login.password.unwrap()).unwrap();
    assert!(password.starts_with("FAFD82A3D602B37FB0FA8B7892F24A477F85"));
    assert_eq!(password, "FAFD82A3D602B37FB0FA8B7892F24A477F851A14");
}

/// IoT Platform over TLS (securemode 2), another device, a 13-digit millisecond timestamp:
///
/// ```text
/// printf '%s' 'clientIddev-01deviceNamesensor-7productKeya1B2c3D4e5Ftimestamp1700000000000' \
///     | openssl dgst -sha1 -hmac 'Zm9vYmFyLWRldmljZS1zZWNyZXQ'
/// SHA1(stdin)= 8ba29b7ef6c9fa4ebffc72f2f4eb9ceeafe2b8b8
/// ```
#[test]
fn aliyun_iot_tls_known_answer() {
    let c = Credentials::AliyunIot {
        product_key: "a1B2c3D4e5F".into(),
        device_name: "sensor-7".into(),
        device_secret: Secret::new("Zm9vYmFyLWRldmljZS1zZWNyZXQ"),
        secure_mode: 2,
    };
    let login = c.credentials_at("dev-01", 1_700_000_000_000);
    assert_eq!(
        login.client_id,
        "dev-01|securemode=2,signmethod=hmacsha1,timestamp=1700000000000|"
    );
    assert_eq!(login.username.as_deref(), Some("sensor-7&a1B2c3D4e5F"));
    assert_eq!(
        login.password.as_deref(),
        Some(&b"8BA29B7EF6C9FA4EBFFC72F2F4EB9CEEAFE2B8B8"[..])
    );
}

/// IoT Platform without the optional timestamp (and, for an empty client id, without clientId):
/// the content is only `deviceName...productKey...`.
///
/// ```text
/// printf '%s' 'deviceNamesensor-7productKeya1B2c3D4e5F' | openssl dgst -sha1 -hmac 'Zm9vYmFyLWRldmljZS1zZWNyZXQ'
/// SHA1(stdin)= 05a203eb2ecff97c0f448dc9291d1e17f604cd3a
/// ```
#[test]
fn aliyun_iot_without_optional_parameters() {
    let login = aliyun_iot_login(
        "a1B2c3D4e5F",
        "sensor-7",
        "Zm9vYmFyLWRldmljZS1zZWNyZXQ",
        "",
        None,
        3,
    );
    assert_eq!(login.client_id, "|securemode=3,signmethod=hmacsha1|");
    assert_eq!(
        login.password.as_deref(),
        Some(&b"05A203EB2ECFF97C0F448DC9291D1E17F604CD3A"[..])
    );
}
