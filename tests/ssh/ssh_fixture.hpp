// What every fp_ssh test against a real sshd needs: a client key the server accepts, a throwaway
// sshd on loopback, and the SshTarget pointing at it.
#pragma once

#include "support/sshd_instance.hpp"
#include "support/temp_dir.hpp"

#include "ssh/session.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace fp::ssh::test {

class SshFixture : public ::testing::Test {
protected:
  void SetUp() override {
    m_key = fp::test::make_ssh_key(m_keys.path(), "client");
    m_sshd = std::make_unique<fp::test::SshdInstance>(m_key.public_key);
  }

  SshTarget target() const { return target_for(*m_sshd); }
  SshTarget target_for(const fp::test::SshdInstance& sshd) const {
    return SshTarget{"127.0.0.1", sshd.port(), sshd.user(), m_key.private_key};
  }

  // Short budgets: loopback answers at once, and a failing test should fail quickly.
  static ConnectOptions quick(std::optional<std::string> pinned = std::nullopt) {
    ConnectOptions options;
    options.pinned_host_key = std::move(pinned);
    options.attempt_timeout = std::chrono::seconds(10);
    options.total_timeout = std::chrono::seconds(30);
    options.first_backoff = std::chrono::milliseconds(100);
    options.max_backoff = std::chrono::milliseconds(500);
    return options;
  }

  Session connected() {
    auto session = connect(target(), quick());
    if (!session) throw std::runtime_error(session.error().describe() + "\n" + m_sshd->log());
    return std::move(*session);
  }

  fp::test::TempDir m_keys{"fp-ssh-keys"};
  fp::test::SshKeyPair m_key;
  std::unique_ptr<fp::test::SshdInstance> m_sshd;
};

} // namespace fp::ssh::test
