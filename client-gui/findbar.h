// SPDX-License-Identifier: MIT
#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;

// Finds text in the conversation on screen. It starts from the newest line,
// because that is what a chat user looks for: Enter goes further back,
// Shift+Enter forward again, Escape closes it and returns to the live end.
class FindBar : public QWidget
{
    Q_OBJECT
public:
    explicit FindBar(QWidget *parent = nullptr);

    void setView(QPlainTextEdit *view);
    void open();
    void close();
    // Moves to the next match; false when there is none at all.
    bool findNext(bool backward = true);

    QLineEdit *edit() const { return m_edit; }
    QString statusText() const;

Q_SIGNALS:
    void closed();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void searchFromNewest();
    void showResult(bool found, bool wrapped);

    QLineEdit *m_edit;
    QLabel *m_status;
    QPointer<QPlainTextEdit> m_view;
};
