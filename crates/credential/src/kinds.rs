//! The credential types Countersign knows: their labels, their fields (which of them are
//! personal numbers to mask on screen), and the JSON Schema each must satisfy.
//!
//! A credential of a type not listed here is still verified and shown generically: the
//! schema check is skipped for it, never failed.

use serde_json::Value;
use std::error::Error;
use std::sync::OnceLock;

/// One field of a credential subject, for display.
#[derive(Debug, Clone, Copy)]
pub struct FieldInfo {
    /// The JSON member name in `credentialSubject`.
    pub key: &'static str,
    /// Label in Simplified Chinese.
    pub label_zh: &'static str,
    /// Label in English.
    pub label_en: &'static str,
    /// A personal number (ID number, credit code) shown masked unless the clerk reveals it.
    pub sensitive: bool,
}

/// A known credential type.
#[derive(Debug)]
pub struct KindInfo {
    /// The VC `type` value after `VerifiableCredential`.
    pub type_name: &'static str,
    /// Name in Simplified Chinese, e.g. 营业执照.
    pub label_zh: &'static str,
    /// Name in English.
    pub label_en: &'static str,
    /// Subject fields in display order.
    pub fields: &'static [FieldInfo],
    /// The JSON Schema (draft 2020-12) of the whole credential.
    pub schema: &'static str,
}

const fn f(key: &'static str, zh: &'static str, en: &'static str, sensitive: bool) -> FieldInfo {
    FieldInfo {
        key,
        label_zh: zh,
        label_en: en,
        sensitive,
    }
}

/// Every known type.
pub static KINDS: [KindInfo; 3] = [
    KindInfo {
        type_name: "BusinessLicenceCredential",
        label_zh: "营业执照",
        label_en: "Business licence",
        fields: &[
            f("companyName", "名称", "Company name", false),
            f(
                "unifiedSocialCreditCode",
                "统一社会信用代码",
                "Unified social credit code",
                false,
            ),
            f("companyType", "类型", "Company type", false),
            f(
                "legalRepresentative",
                "法定代表人",
                "Legal representative",
                false,
            ),
            f("registeredCapital", "注册资本", "Registered capital", false),
            f("establishedOn", "成立日期", "Established on", false),
            f("address", "住所", "Address", false),
            f("businessScope", "经营范围", "Business scope", false),
            f(
                "registrationAuthority",
                "登记机关",
                "Registration authority",
                false,
            ),
        ],
        schema: include_str!("../schemas/BusinessLicenceCredential.schema.json"),
    },
    KindInfo {
        type_name: "ResidencePermitCredential",
        label_zh: "居住证",
        label_en: "Residence permit",
        fields: &[
            f("name", "姓名", "Name", false),
            f("gender", "性别", "Gender", false),
            f("idNumber", "公民身份号码", "ID number", true),
            f("address", "居住地址", "Address", true),
            f("policeStation", "签发机关", "Issuing police station", false),
            f("permitNumber", "居住证编号", "Permit number", true),
        ],
        schema: include_str!("../schemas/ResidencePermitCredential.schema.json"),
    },
    KindInfo {
        type_name: "DiplomaCredential",
        label_zh: "学历证书",
        label_en: "Diploma",
        fields: &[
            f("name", "姓名", "Name", false),
            f("idNumber", "身份证号", "ID number", true),
            f("school", "学校名称", "School", false),
            f("major", "专业", "Major", false),
            f("level", "层次", "Level", false),
            f("studyMode", "学习形式", "Mode of study", false),
            f("graduationDate", "毕业日期", "Graduation date", false),
            f("certificateNumber", "证书编号", "Certificate number", false),
        ],
        schema: include_str!("../schemas/DiplomaCredential.schema.json"),
    },
];

/// Looks a type up by its `type` value.
pub fn kind(type_name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.type_name == type_name)
}

struct Compiled {
    schemas: boon::Schemas,
    index: Vec<boon::SchemaIndex>,
}

fn compiled() -> &'static Result<Compiled, String> {
    static COMPILED: OnceLock<Result<Compiled, String>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        compiler.register_format(boon::Format {
            name: "cn-uscc",
            func: format_uscc,
        });
        compiler.register_format(boon::Format {
            name: "cn-resident-id",
            func: format_resident_id,
        });
        let mut index = Vec::new();
        for k in &KINDS {
            let url = format!("https://countersign.example/schemas/{}.json", k.type_name);
            let json: Value = serde_json::from_str(k.schema).map_err(|e| e.to_string())?;
            compiler
                .add_resource(&url, json)
                .map_err(|e| e.to_string())?;
            index.push(
                compiler
                    .compile(&url, &mut schemas)
                    .map_err(|e| e.to_string())?,
            );
        }
        Ok(Compiled { schemas, index })
    })
}

/// Validates a credential against its type's schema; returns each violation as
/// `"/json/pointer: message"`.
pub fn validate(kind: &KindInfo, credential: &Value) -> Result<(), Vec<String>> {
    let compiled = compiled()
        .as_ref()
        .map_err(|e| vec![format!("schema: {e}")])?;
    let Some(position) = KINDS.iter().position(|k| k.type_name == kind.type_name) else {
        return Ok(());
    };
    compiled
        .schemas
        .validate(credential, compiled.index[position])
        .map_err(|err| {
            let mut lines = Vec::new();
            collect_leaves(&err, &mut lines);
            lines
        })
}

/// The innermost errors are the useful ones ("/credentialSubject/idNumber: …"); the outer
/// ones only say that a sub-schema failed.
fn collect_leaves(err: &boon::ValidationError<'_, '_>, out: &mut Vec<String>) {
    if err.causes.is_empty() {
        let at = err.instance_location.to_string();
        let at = if at.is_empty() { "/".to_owned() } else { at };
        out.push(format!("{at}: {}", err.kind));
    }
    for cause in &err.causes {
        collect_leaves(cause, out);
    }
}

fn format_uscc(v: &Value) -> Result<(), Box<dyn Error>> {
    match v.as_str() {
        Some(s) if !is_valid_uscc(s) => Err(
            "not a unified social credit code (GB 32100: 18 characters with a check character)"
                .into(),
        ),
        _ => Ok(()),
    }
}

fn format_resident_id(v: &Value) -> Result<(), Box<dyn Error>> {
    match v.as_str() {
        Some(s) if !is_valid_resident_id(s) => {
            Err("not a resident ID number (GB 11643: 17 digits and a check character)".into())
        }
        _ => Ok(()),
    }
}

const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character of the first 17 characters of a unified social credit code.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(USCC_WEIGHTS) {
        sum += USCC_CHARS.iter().position(|c| c == b)? as u32 * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(USCC_CHARS[check as usize]))
}

/// A unified social credit code (统一社会信用代码) with a correct check character.
pub fn is_valid_uscc(code: &str) -> bool {
    code.len() == 18
        && code.is_char_boundary(17)
        && uscc_check_char(&code[..17]) == code[17..].chars().next()
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The check character of the first 17 digits of a resident ID number.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(ID_CHECK[(sum % 11) as usize]))
}

/// An 18-character resident ID number (公民身份号码) with a correct check character.
pub fn is_valid_resident_id(id: &str) -> bool {
    id.len() == 18
        && id.is_char_boundary(17)
        && resident_id_check_char(&id[..17]) == id[17..].chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_characters() {
        // The GB 11643 example number and a well-known published credit code.
        assert!(is_valid_resident_id("11010519491231002X"));
        assert!(!is_valid_resident_id("110105194912310021"));
        assert!(is_valid_uscc("91350100M000100Y43"));
        assert!(!is_valid_uscc("91350100M000100Y44"));
        assert!(!is_valid_uscc("短"));
    }

    #[test]
    fn schemas_compile() {
        assert!(compiled().is_ok(), "{:?}", compiled().as_ref().err());
    }
}
