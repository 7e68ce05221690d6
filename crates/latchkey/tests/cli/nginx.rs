//! `deploy/nginx/latchkey.conf`, as shipped (only its example addresses and certificate paths
//! replaced), with Debian's nginx run as this user in front of two real `latchkey serve`
//! processes: nginx terminates TLS with a self-signed certificate made here and the servers
//! trust it as a proxy (`--trusted-proxies 127.0.0.1/32`, an https issuer). Through it the
//! password grant works, the login throttle counts the client's address from
//! `X-Forwarded-For` (not nginx's, and not one the client forged), and headless Chromium runs
//! the whole browser flow (`e2e/browser.mjs`).

use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use latchkey_store::testing::skip_unless_required;
use latchkey_store::{SqlStore, ThrottleStore};

use crate::tls::self_signed;
use crate::{Env, ServerProcess, PASSWORD};

const NGINX: &str = "/usr/sbin/nginx";
/// The shipped site configuration.
const SHIPPED: &str = include_str!("../../../../deploy/nginx/latchkey.conf");
/// The address the test's client connects from: not nginx's own 127.0.0.1.
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 5);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// nginx with the shipped site, as a foreground child with every file in a temporary prefix.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
}

/// Where the shipped file's example values go.
struct Site<'a> {
    upstreams: [&'a str; 2],
    http_port: u16,
    https_port: u16,
    cert: &'a Path,
    key: &'a Path,
}

impl Site<'_> {
    /// The shipped file with each example value replaced; each must be there exactly once, so
    /// the test notices when the file changes.
    fn render(&self) -> String {
        let replacements = [
            ("server 127.0.0.1:8081;", format!("server {};", self.upstreams[0])),
            ("server 127.0.0.1:8082;", format!("server {};", self.upstreams[1])),
            ("listen 80;", format!("listen 127.0.0.1:{};", self.http_port)),
            ("listen 443 ssl http2;", format!("listen 127.0.0.1:{} ssl http2;", self.https_port)),
            ("/etc/nginx/tls/auth.example.com.crt", self.cert.display().to_string()),
            ("/etc/nginx/tls/auth.example.com.key", self.key.display().to_string()),
        ];
        let mut site = SHIPPED.to_owned();
        for (example, value) in replacements {
            assert_eq!(site.matches(example).count(), 1, "{example:?} in deploy/nginx/latchkey.conf");
            site = site.replace(example, &value);
        }
        site
    }
}

impl Nginx {
    fn start(site: &str, https_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(dir.path().join("latchkey.conf"), site).unwrap();
        // As root, nginx would hand its workers to `nobody`, who cannot enter the private
        // temporary directory; as anyone else it stays that user.
        let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
        let main = format!(
            "{user}worker_processes 1;\nerror_log {error} info;\nevents {{ worker_connections 128; }}\n\
             http {{\n  access_log {access};\n  client_body_temp_path {body};\n  proxy_temp_path {proxy};\n  \
             fastcgi_temp_path {fastcgi};\n  uwsgi_temp_path {uwsgi};\n  scgi_temp_path {scgi};\n  \
             include {site};\n}}\n",
            user = if root { "user root;\n" } else { "" },
            error = path("error.log"),
            access = path("access.log"),
            body = path("client_body"),
            proxy = path("proxy"),
            fastcgi = path("fastcgi"),
            uwsgi = path("uwsgi"),
            scgi = path("scgi"),
            site = path("latchkey.conf"),
        );
        std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
        let child = Command::new(NGINX)
            .args(["-p", &path(""), "-e", &path("error.log"), "-c", &path("nginx.conf")])
            .args(["-g", &format!("daemon off; pid {};", path("nginx.pid"))])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let nginx = Self { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", https_port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not start:\n{}", nginx.error_log());
            std::thread::sleep(Duration::from_millis(50));
        }
        nginx
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM first: nginx's master then stops its workers, which a killed master would leave
    /// running (orphans still holding the listening sockets); SIGKILL only if it hangs.
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// What the test needs beyond Rust; skipped (or failed, when required) without it.
fn tools_present() -> bool {
    let mut missing = Vec::new();
    if !Path::new(NGINX).exists() {
        missing.push("/usr/sbin/nginx (apt-get install nginx)");
    }
    if !Path::new("/usr/bin/chromium").exists() {
        missing.push("/usr/bin/chromium (apt-get install chromium)");
    }
    if !e2e_dir().join("node_modules/playwright-core").exists() {
        missing.push("e2e/node_modules (npm ci --prefix e2e)");
    }
    if missing.is_empty() {
        return true;
    }
    skip_unless_required(&format!("missing {}", missing.join(", ")));
    false
}

#[test]
fn the_shipped_nginx_config_terminates_tls_in_front_of_two_processes() {
    if !tools_present() {
        return;
    }
    let env = Env::sqlite();
    let app = env.alice_and_app();
    let (https_port, http_port) = (free_port(), free_port());
    let issuer = format!("https://localhost:{https_port}");
    let args = ["serve", "--listen", "127.0.0.1:0", "--issuer", &issuer, "--trusted-proxies", "127.0.0.1/32"];
    let servers = [
        ServerProcess::spawn(env.command(&args)).unwrap(),
        ServerProcess::spawn(env.command(&args)).unwrap(),
    ];
    let (cert, key, pem) = self_signed(env.dir.path());
    let upstreams =
        [servers[0].base.trim_start_matches("http://"), servers[1].base.trim_start_matches("http://")];
    let site = Site { upstreams, http_port, https_port, cert: &cert, key: &key }.render();
    let nginx = Nginx::start(&site, https_port);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let https = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
            .local_address(IpAddr::V4(CLIENT_IP))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = |password: &'static str, forged: Option<&'static str>| {
            let form = [
                ("grant_type", "password"),
                ("client_id", app.as_str()),
                ("username", "alice"),
                ("password", password),
            ];
            let mut request = https.post(format!("{issuer}/token")).form(&form);
            if let Some(forged) = forged {
                request = request.header("x-forwarded-for", forged);
            }
            request.send()
        };
        for _ in 0..2 {
            let response = login(PASSWORD, None).await.unwrap();
            assert_eq!(response.status(), 200, "nginx error log:\n{}", nginx.error_log());
        }
        assert_eq!(login("guess", None).await.unwrap().status(), 400);
        assert_eq!(login("guess", Some("203.0.113.9")).await.unwrap().status(), 400);

        let store = SqlStore::connect(&env.database_url()).await.unwrap();
        let counts = store.throttle_counts(&[&format!("ip:{CLIENT_IP}")], now()).await.unwrap();
        assert_eq!(counts.len(), 1, "the client's own address is throttled");
        assert_eq!(counts[0].failures, 2);
        assert_eq!(store.throttle_counts(&["ip:127.0.0.1"], now()).await.unwrap(), vec![], "not nginx's");
        assert_eq!(
            store.throttle_counts(&["ip:203.0.113.9"], now()).await.unwrap(),
            vec![],
            "nor a forged one"
        );

        let plain = https.get(format!("http://127.0.0.1:{http_port}/jwks.json")).send().await.unwrap();
        assert_eq!(plain.status(), 308, "plain HTTP is sent to HTTPS");
        assert!(plain.headers()["location"].to_str().unwrap().starts_with("https://"));
    });

    browser_flow(&env, &issuer, &cert);
    drop(nginx);
}

/// `e2e/browser.mjs` through nginx: Chromium ignores the self-signed certificate, Node trusts it.
fn browser_flow(env: &Env, issuer: &str, cert: &Path) {
    env.run_ok_json(
        &["users", "add", "bob", "--email", "bob@example.com", "--password-stdin", "--json"],
        &format!("{PASSWORD}\n"),
    );
    let rp = env.run_ok_json(
        &[
            "clients",
            "add",
            "Example RP",
            "--type",
            "public",
            "--grant",
            "authorization_code,refresh_token",
            "--scope",
            "openid,profile,email,offline_access",
            "--redirect-uri",
            "http://127.0.0.1/callback",
            "--post-logout-redirect-uri",
            "http://127.0.0.1/signed-out",
            "--json",
        ],
        "",
    );
    let screenshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots/nginx");
    let output = Command::new("node")
        .arg("browser.mjs")
        .current_dir(e2e_dir())
        .env("ISSUER", issuer)
        .env("CLIENT_ID", rp["client_id"].as_str().unwrap())
        .env("USERNAME", "bob")
        .env("PASSWORD", PASSWORD)
        .env("SCREENSHOT_DIR", &screenshots)
        .env("NODE_EXTRA_CA_CERTS", cert)
        .env("IGNORE_HTTPS_ERRORS", "1")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "browser.mjs through nginx failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("browser: all checks passed"), "{stdout}");
}
