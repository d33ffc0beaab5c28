//! The server's certificate: from `--tls-cert`/`--tls-key`, or a
//! self-signed one made once with rcgen and kept in `DATA/tls/`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use mailwire_tokio::ServerTls;

/// Where the certificate came from.
#[derive(Debug)]
pub enum Source {
    /// Given on the command line.
    Files,
    /// Self-signed, loaded from an earlier start.
    Reused(PathBuf),
    /// Self-signed, made now.
    Created(PathBuf),
}

/// The server's TLS setup.
pub fn load(
    data: &Path,
    domain: &str,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<(ServerTls, Source), String> {
    match (cert, key) {
        (Some(cert), Some(key)) => {
            let tls = ServerTls::from_pem_files(cert, key)
                .map_err(|e| format!("loading {} / {}: {e}", cert.display(), key.display()))?;
            Ok((tls, Source::Files))
        }
        (None, None) => self_signed(&data.join("tls"), domain),
        _ => Err("--tls-cert and --tls-key go together".to_owned()),
    }
}

/// Loads `dir/cert.pem` and `dir/key.pem`, creating them first if absent.
fn self_signed(dir: &Path, domain: &str) -> Result<(ServerTls, Source), String> {
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    let source = if cert_path.exists() && key_path.exists() {
        Source::Reused(cert_path.clone())
    } else {
        create(dir, &cert_path, &key_path, domain)
            .map_err(|e| format!("creating a certificate in {}: {e}", dir.display()))?;
        Source::Created(cert_path.clone())
    };
    let tls = ServerTls::from_pem_files(&cert_path, &key_path)
        .map_err(|e| format!("loading {}: {e}", cert_path.display()))?;
    Ok((tls, source))
}

fn create(dir: &Path, cert_path: &Path, key_path: &Path, domain: &str) -> io::Result<()> {
    let mut names = vec![domain.to_owned()];
    for extra in ["localhost", "127.0.0.1", "::1"] {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(extra)) {
            names.push(extra.to_owned());
        }
    }
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    fs::create_dir_all(dir)?;
    // Key first and private; each file appears whole (write, then rename).
    write_atomic(
        key_path,
        certified.key_pair.serialize_pem().as_bytes(),
        true,
    )?;
    write_atomic(cert_path, certified.cert.pem().as_bytes(), false)?;
    Ok(())
}

fn write_atomic(path: &Path, data: &[u8], private: bool) -> io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(&tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificate_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (_, source) = load(dir.path(), "mail.test", None, None).unwrap();
        assert!(matches!(source, Source::Created(_)));
        let pem = fs::read(dir.path().join("tls/cert.pem")).unwrap();
        let (_, source) = load(dir.path(), "mail.test", None, None).unwrap();
        assert!(matches!(source, Source::Reused(_)));
        assert_eq!(fs::read(dir.path().join("tls/cert.pem")).unwrap(), pem);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("tls/key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0);
        }
        assert!(load(dir.path(), "x", Some(Path::new("a.pem")), None).is_err());
    }
}
