// SPDX-License-Identifier: MIT
#include "findbar.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextDocument>
#include <QToolButton>

FindBar::FindBar(QWidget *parent)
    : QWidget(parent), m_edit(new QLineEdit(this)), m_status(new QLabel(this))
{
    m_edit->setPlaceholderText(tr("Find in conversation"));
    m_edit->setClearButtonEnabled(true);
    m_edit->installEventFilter(this);

    auto *older = new QToolButton(this);
    older->setArrowType(Qt::UpArrow);
    older->setToolTip(tr("Earlier match (Enter)"));
    older->setAutoRaise(true);
    auto *newer = new QToolButton(this);
    newer->setArrowType(Qt::DownArrow);
    newer->setToolTip(tr("Later match (Shift+Enter)"));
    newer->setAutoRaise(true);
    auto *done = new QToolButton(this);
    done->setText(tr("Done"));
    done->setToolTip(tr("Close (Escape)"));
    done->setAutoRaise(true);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_edit, 1);
    layout->addWidget(older);
    layout->addWidget(newer);
    layout->addWidget(m_status);
    layout->addWidget(done);

    connect(m_edit, &QLineEdit::textChanged, this, &FindBar::searchFromNewest);
    connect(older, &QToolButton::clicked, this, [this] { findNext(true); });
    connect(newer, &QToolButton::clicked, this, [this] { findNext(false); });
    connect(done, &QToolButton::clicked, this, &FindBar::close);
    hide();
}

void FindBar::setView(QPlainTextEdit *view)
{
    m_view = view;
    if (isVisible() && !m_edit->text().isEmpty())
        searchFromNewest();
}

void FindBar::open()
{
    show();
    m_edit->setFocus();
    m_edit->selectAll();
}

void FindBar::close()
{
    hide();
    m_status->clear();
    if (m_view) {
        // Back to the live end of the conversation, without a leftover selection.
        QTextCursor cursor = m_view->textCursor();
        cursor.movePosition(QTextCursor::End);
        m_view->setTextCursor(cursor);
        m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
    }
    Q_EMIT closed();
}

QString FindBar::statusText() const
{
    return m_status->text();
}

void FindBar::searchFromNewest()
{
    if (!m_view)
        return;
    QTextCursor end = m_view->textCursor();
    end.movePosition(QTextCursor::End);
    m_view->setTextCursor(end);
    if (m_edit->text().isEmpty()) {
        m_status->clear();
        return;
    }
    findNext(true);
}

bool FindBar::findNext(bool backward)
{
    const QString text = m_edit->text();
    if (!m_view || text.isEmpty())
        return false;
    QTextDocument *document = m_view->document();
    const QTextDocument::FindFlags flags =
        backward ? QTextDocument::FindBackward : QTextDocument::FindFlags();
    QTextCursor found = document->find(text, m_view->textCursor(), flags);
    bool wrapped = false;
    if (found.isNull()) {
        QTextCursor from(document);
        from.movePosition(backward ? QTextCursor::End : QTextCursor::Start);
        found = document->find(text, from, flags);
        wrapped = !found.isNull();
    }
    if (!found.isNull()) {
        m_view->setTextCursor(found);
        m_view->ensureCursorVisible();
    }
    showResult(!found.isNull(), wrapped);
    return !found.isNull();
}

void FindBar::showResult(bool found, bool wrapped)
{
    if (!found)
        m_status->setText(tr("Not found"));
    else if (wrapped)
        m_status->setText(tr("Wrapped around"));
    else
        m_status->clear();
}

bool FindBar::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_edit && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Escape) {
            close();
            return true;
        }
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            findNext(!(key->modifiers() & Qt::ShiftModifier));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}
