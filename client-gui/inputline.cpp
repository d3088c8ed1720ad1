// SPDX-License-Identifier: MIT
#include "inputline.h"

#include <QKeyEvent>

InputLine::InputLine(QWidget *parent) : QLineEdit(parent)
{
    connect(this, &QLineEdit::returnPressed, this, [this] { Q_EMIT submitted(text()); });
    connect(this, &QLineEdit::textEdited, this, [this] { m_candidateIndex = -1; });
}

void InputLine::commit()
{
    const QString line = text();
    if (!line.trimmed().isEmpty() && (m_history.isEmpty() || m_history.constLast() != line)) {
        m_history.append(line);
        if (m_history.size() > HistoryLimit)
            m_history.removeFirst();
    }
    m_historyIndex = -1;
    m_draft.clear();
    m_candidateIndex = -1;
    clear();
}

void InputLine::setCompletionNames(const QStringList &names)
{
    m_completionNames = names;
}

void InputLine::recall(int step)
{
    if (m_history.isEmpty())
        return;
    int index = m_historyIndex;
    if (index < 0) {
        if (step > 0)
            return;
        m_draft = text();
        index = int(m_history.size());
    }
    index += step;
    if (index < 0)
        return;
    if (index >= m_history.size()) {
        m_historyIndex = -1;
        setText(m_draft);
        return;
    }
    m_historyIndex = index;
    setText(m_history.at(index));
}

void InputLine::complete()
{
    if (m_candidateIndex < 0) {
        const QString line = text();
        const int end = cursorPosition();
        int start = end;
        while (start > 0 && !line.at(start - 1).isSpace())
            --start;
        const QString prefix = line.mid(start, end - start);
        m_candidates.clear();
        for (const QString &name : m_completionNames) {
            if (name.startsWith(prefix, Qt::CaseInsensitive))
                m_candidates.append(name);
        }
        if (m_candidates.isEmpty())
            return;
        std::sort(m_candidates.begin(), m_candidates.end(), [](const QString &a, const QString &b) {
            return a.compare(b, Qt::CaseInsensitive) < 0;
        });
        m_completionStart = start;
        m_completionRest = line.mid(end);
        m_candidateIndex = 0;
    } else {
        m_candidateIndex = (m_candidateIndex + 1) % int(m_candidates.size());
    }
    // At the start of the line a name addresses someone: "Bob: ".
    const QString separator = m_completionStart == 0 ? QStringLiteral(": ") : QStringLiteral(" ");
    const QString completed =
        text().left(m_completionStart) + m_candidates.at(m_candidateIndex) + separator;
    setText(completed + m_completionRest);
    setCursorPosition(int(completed.size()));
}

bool InputLine::event(QEvent *event)
{
    // Tab would move the focus; here it completes names.
    if (event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Tab && key->modifiers() == Qt::NoModifier) {
            complete();
            return true;
        }
    }
    return QLineEdit::event(event);
}

void InputLine::keyPressEvent(QKeyEvent *event)
{
    m_candidateIndex = -1;
    if (event->modifiers() == Qt::NoModifier || event->modifiers() == Qt::KeypadModifier) {
        switch (event->key()) {
        case Qt::Key_Up:
            recall(-1);
            return;
        case Qt::Key_Down:
            recall(+1);
            return;
        case Qt::Key_PageUp:
            Q_EMIT pageRequested(-1);
            return;
        case Qt::Key_PageDown:
            Q_EMIT pageRequested(+1);
            return;
        default:
            break;
        }
    }
    QLineEdit::keyPressEvent(event);
}
