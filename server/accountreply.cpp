// SPDX-License-Identifier: MIT
#include "accountreply.h"

#include "connectioncontrol.h"

void AccountReply::answer(Answer answer)
{
    std::lock_guard lock(m_mutex);
    m_answer = std::move(answer);
    // Under the lock: detach() waits, so the receiver is alive while it is woken
    // (Qt drops events posted to an object that is then destroyed).
    if (m_receiver)
        m_receiver->requestAccountAnswer();
}

std::optional<AccountReply::Answer> AccountReply::take()
{
    std::lock_guard lock(m_mutex);
    std::optional<Answer> answer = std::move(m_answer);
    m_answer.reset();
    return answer;
}

void AccountReply::detach()
{
    std::lock_guard lock(m_mutex);
    m_receiver = nullptr;
}
