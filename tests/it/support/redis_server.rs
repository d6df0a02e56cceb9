//! A `redis-server` of a test's own on a free loopback port, with no persistence: tests that
//! stop or kill Redis never touch a shared one. Killed when dropped. (The bench includes this
//! file too.)

use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub port: u16,
    password: Option<String>,
    child: Mutex<Option<Child>>,
}

impl RedisServer {
    /// Starts one, requiring `password` if given (then part of [`Self::url`]), and waits until
    /// it answers PING. Tests reach it through `support::redis_server`, which first checks
    /// that `redis-server` is installed.
    pub async fn start_with(password: Option<&str>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let server = Self {
            port,
            password: password.map(str::to_owned),
            child: Mutex::new(None),
        };
        server.restart().await;
        server
    }

    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// SIGKILL: Redis vanishes with everything it held.
    pub fn kill(&self) {
        let child = self.child.lock().unwrap().take();
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it (again) on the same port, empty, and waits until it answers.
    pub async fn restart(&self) {
        self.kill();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"]);
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("redis-server (install the redis-server package)");
        *self.child.lock().unwrap() = Some(child);
        let started = Instant::now();
        while self.ping().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "redis-server on port {} did not answer",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A connection for a test to look at what the service stored.
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection")
    }

    async fn ping(&self) -> redis::RedisResult<String> {
        let mut conn = redis::Client::open(self.url())?
            .get_multiplexed_async_connection()
            .await?;
        redis::cmd("PING").query_async(&mut conn).await
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
